"""Reports for officers: how many requests, of which kinds, with what outcome."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from handlers import views as v
from handlers.access import refuse_unless_privileged
from handlers.actors import Actor
from handlers.services import Services
from storage import demands
from storage.reports import case_counts
from storage.timefmt import to_text


async def report_summary(services: Services, actor: Actor, *, days: int = 365) -> v.Reply:
    """The last `days` days in counts; officers and counsel only."""
    refused = refuse_unless_privileged(services, actor, "see reports")
    if refused:
        return refused
    now = services.now()
    since, until = to_text(now - timedelta(days=days)), to_text(now + timedelta(seconds=1))
    counts, logged = await services.store.run(
        lambda db: (case_counts(db, since, until), demands.demands_between(db, since, until))
    )
    pb = services.playbook
    by_presented: Counter[str] = Counter()
    for row in counts:
        by_presented[row["presented"]] += row["n"]
    facts = [v.Fact("Requests", str(sum(by_presented.values())))]
    facts += [
        v.Fact(pb.presentations[k].label, str(n)) for k, n in sorted(by_presented.items()) if n
    ]
    facts.append(v.Fact("Unauthorized demands logged", str(len(logged))))
    return v.Reply(
        view=v.View(
            title=f"Records requests, last {days} days",
            facts=tuple(facts),
            lines=("Drills and restricted matters are not counted here.",),
        )
    )
