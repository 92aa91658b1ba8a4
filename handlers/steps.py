"""Marking a procedure step done or not applicable."""

from __future__ import annotations

from sqlite_utils import Database

from handlers import escalation
from handlers import views as v
from handlers.access import load_case_for
from handlers.actors import Actor, role_of
from handlers.outage import storage_guard
from handlers.presenters import case_card
from handlers.services import Services
from playbooks.engine import DONE, NOT_APPLICABLE, may_act
from storage import cases
from storage.timefmt import to_text


@storage_guard
async def mark_step(
    services: Services, actor: Actor, case_id: str, step_id: str, *, state: str
) -> v.Reply:
    """Record a step's state; officer and counsel steps refuse everyone else."""
    if state not in (DONE, NOT_APPLICABLE):
        return v.refusal("That button is not recognised.", title="Unknown action")
    loaded = await load_case_for(services, actor, case_id)
    if isinstance(loaded, v.Reply):
        return loaded
    case, steps = loaded
    step = services.playbook.step(step_id)
    if step is None or case.presented not in step.applies_to:
        return v.refusal("That step does not apply to this case.", case_id=case_id)
    if not case.is_open:
        return v.refusal(f"Case {case_id} is closed.", case_id=case_id)
    role = role_of(services.settings, actor)
    if not may_act(step, role):
        return v.refusal(
            f"Only the responsible officer or counsel can mark step {step.number} "
            f"({step.title}). Your officer has been paged; they will do it.",
            title="Officers only",
            case_id=case_id,
        )
    now = services.now()

    def record(db: Database) -> None:
        cases.set_step_state(db, case_id, step_id, state=state, by_user=actor.ref, at=to_text(now))
        escalation.queue_reporter_card(db, cases.get_case(db, case_id), now)

    await services.store.run(record)
    services.on_queued()
    case, steps = await services.store.run(
        lambda db: (cases.get_case(db, case_id), cases.step_records(db, case_id))
    )
    return v.Reply(view=case_card(services, case, steps, viewer_role=role), case_id=case_id)
