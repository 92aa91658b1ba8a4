"""Purging on schedule and on demand; vacuuming now and then."""

from __future__ import annotations

import logging
from datetime import timedelta

from handlers.services import Services
from storage import purge as store_purge
from storage.purge import PurgePlan
from storage.timefmt import from_text, to_text

log = logging.getLogger("patronguard.retention")

# Retried deliveries come within minutes; a day covers every platform's retry window.
SEEN_EVENTS_KEPT = timedelta(days=1)


def _cutoffs(services: Services) -> dict[str, str]:
    now = services.now()
    retention = services.settings.retention
    return {
        "now": to_text(now),
        "drills_before": to_text(now - retention.drills),
        "demands_before": to_text(now - retention.demands),
        "events_before": to_text(now - SEEN_EVENTS_KEPT),
    }


async def purge_expired(services: Services, *, dry_run: bool = False) -> PurgePlan:
    """Remove closed cases, drills, demand rows and delivery keys past retention.

    Held cases are skipped until an officer releases the hold. Returns what was (or, with
    dry_run, would be) removed.
    """
    cut = _cutoffs(services)
    plan = await services.store.run(lambda db: store_purge.plan_purge(db, **cut))
    if dry_run or plan.nothing:
        return plan
    await services.store.run(
        lambda db: store_purge.purge(
            db, plan, demands_before=cut["demands_before"], events_before=cut["events_before"]
        )
    )
    await services.store.run(store_purge.checkpoint, transaction=False)
    log.info(
        "purged %d case(s), %d drill(s), %d demand row(s)",
        len(plan.cases),
        len(plan.drills),
        plan.demands,
    )
    return plan


async def vacuum_if_due(services: Services) -> bool:
    """VACUUM when `retention.vacuum_every` has passed since the last one."""
    every = services.settings.retention.vacuum_every
    last = await services.store.run(lambda db: store_purge.last_run(db, "vacuum"))
    if last and from_text(last) + every > services.now():
        return False
    await services.store.run(store_purge.vacuum, transaction=False)
    at = services.now_text()
    await services.store.run(lambda db: store_purge.record_run(db, "vacuum", at))
    return True
