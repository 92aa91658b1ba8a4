"""Legal hold: set automatically when legal process is presented, released only by officers."""

from __future__ import annotations

from sqlite_utils import Database

from handlers import escalation
from handlers import views as v
from handlers.access import load_case_for, refuse_unless_privileged
from handlers.actors import Actor, role_of
from handlers.outage import storage_guard
from handlers.presenters import case_card
from handlers.services import Services
from storage import cases
from storage.timefmt import to_text


@storage_guard
async def release_hold(services: Services, actor: Actor, case_id: str) -> v.Reply:
    """Record that counsel released the hold; routine destruction then applies again."""
    refused = refuse_unless_privileged(services, actor, "release a legal hold", case_id)
    if refused:
        return refused
    loaded = await load_case_for(services, actor, case_id)
    if isinstance(loaded, v.Reply):
        return loaded
    case, _ = loaded
    if not case.on_hold:
        return v.refusal(f"Case {case_id} is not on legal hold.", case_id=case_id)
    now = services.now()

    def release(db: Database) -> None:
        cases.update_case(db, case_id, hold_released_at=to_text(now), hold_released_by=actor.ref)
        cases.record_event(db, case_id, at=to_text(now), kind="hold_released", by_user=actor.ref)
        escalation.queue_reporter_card(db, cases.get_case(db, case_id), now)

    await services.store.run(release)
    services.on_queued()
    case, steps = await services.store.run(
        lambda db: (cases.get_case(db, case_id), cases.step_records(db, case_id))
    )
    role = role_of(services.settings, actor)
    return v.Reply(view=case_card(services, case, steps, viewer_role=role), case_id=case_id)
