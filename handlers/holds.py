"""Legal hold: set automatically when legal process is presented, released only by officers."""

from __future__ import annotations

from sqlite_utils import Database

from handlers import escalation
from handlers import views as v
from handlers.access import load_visible, refuse_unless_privileged
from handlers.actors import Actor, role_of
from handlers.card_reply import card_after
from handlers.outage import storage_guard
from handlers.services import Services
from storage import cases
from storage.records import CaseRecord, StepRecord
from storage.timefmt import to_text


@storage_guard
async def release_hold(
    services: Services, actor: Actor, case_id: str, *, delivery_key: str | None = None
) -> v.Reply:
    """Record that counsel released the hold; routine destruction then applies again."""
    role = role_of(services.settings, actor)
    refused = refuse_unless_privileged(role, "release a legal hold", case_id)
    if refused:
        return refused
    now = services.now()

    def release(db: Database) -> tuple[CaseRecord, dict[str, StepRecord]] | v.Reply:
        loaded = load_visible(db, actor, role, case_id)
        if isinstance(loaded, v.Reply):
            return loaded
        case, _ = loaded
        if not case.on_hold:
            return v.refusal(f"Case {case.id} is not on legal hold.", case_id=case.id)
        at = to_text(now)
        cases.update_case(db, case.id, hold_released_at=at, hold_released_by=actor.ref)
        cases.record_event(db, case.id, at=at, kind="hold_released", by_user=actor.ref)
        updated = cases.require_case(db, case.id)
        escalation.queue_reporter_card(db, updated, now)
        return updated, cases.step_records(db, case.id)

    return await card_after(services, role, release, delivery_key)
