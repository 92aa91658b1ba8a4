"""Marking a procedure step done or not applicable."""

from __future__ import annotations

from sqlite_utils import Database

from handlers import escalation
from handlers import views as v
from handlers.access import load_visible
from handlers.actors import Actor, role_of
from handlers.card_reply import card_after
from handlers.outage import storage_guard
from handlers.services import Services
from playbooks.engine import DONE, NOT_APPLICABLE, StepState, may_act
from storage import cases
from storage.records import CaseRecord, StepRecord
from storage.timefmt import to_text


@storage_guard
async def mark_step(
    services: Services,
    actor: Actor,
    case_id: str,
    step_id: str,
    *,
    state: StepState,
    delivery_key: str | None = None,
) -> v.Reply:
    """Record a step's state, checked and written in one transaction: a step is never
    recorded on a case that closed meanwhile. Officer steps refuse everyone else."""
    if state not in (DONE, NOT_APPLICABLE):
        return v.refusal("That button is not recognised.", title="Unknown action")
    role = role_of(services.settings, actor)
    step = services.playbook.step(step_id) if isinstance(step_id, str) else None
    now = services.now()

    def record(db: Database) -> tuple[CaseRecord, dict[str, StepRecord]] | v.Reply:
        loaded = load_visible(db, actor, role, case_id, open_only=True)
        if isinstance(loaded, v.Reply):
            return loaded
        case, _ = loaded
        if step is None or case.presented not in step.applies_to:
            return v.refusal("That step does not apply to this case.", case_id=case.id)
        if not may_act(step, role):
            return v.refusal(
                f"Only the responsible officer or counsel can mark step {step.number} "
                f"({step.title}). Your officer has been paged; they will do it.",
                title="Officers only",
                case_id=case.id,
            )
        cases.set_step_state(db, case.id, step.id, state=state, by_user=actor.ref, at=to_text(now))
        updated = cases.require_case(db, case.id)
        escalation.queue_reporter_card(db, updated, now)
        return updated, cases.step_records(db, case.id)

    return await card_after(services, role, record, delivery_key)
