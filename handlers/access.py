"""Who may see and act on which case."""

from __future__ import annotations

from handlers import views as v
from handlers.actors import Actor, is_privileged, role_of
from handlers.services import Services
from storage import cases
from storage.records import CaseRecord, StepRecord

NOT_FOUND = (
    "There is no open case {case_id} that you can see. Check the case id, or ask your officer."
)


async def load_case_for(
    services: Services, actor: Actor, case_id: str
) -> tuple[CaseRecord, dict[str, StepRecord]] | v.Reply:
    """The case and its steps if this actor may see it; otherwise a refusal to show them.

    Staff see the cases they reported; officers and counsel see all. The refusal is the same
    for a case that does not exist and one that is someone else's, so ids cannot be probed.
    """
    if not isinstance(case_id, str) or len(case_id) > 40:
        return v.refusal(NOT_FOUND.format(case_id="with that id"), title="Case not found")
    found = await services.store.run(
        lambda db: (cases.get_case(db, case_id), cases.step_records(db, case_id))
    )
    case, steps = found
    role = role_of(services.settings, actor)
    if case is None or not (is_privileged(role) or _is_reporter(case, actor)):
        return v.refusal(NOT_FOUND.format(case_id=case_id), title="Case not found")
    return case, steps


async def load_open_case_for(
    services: Services, actor: Actor, case_id: str
) -> tuple[CaseRecord, dict[str, StepRecord]] | v.Reply:
    """As load_case_for, and refused once the case is closed."""
    loaded = await load_case_for(services, actor, case_id)
    if not isinstance(loaded, v.Reply) and not loaded[0].is_open:
        return v.refusal(f"Case {case_id} is closed.", case_id=case_id)
    return loaded


def _is_reporter(case: CaseRecord, actor: Actor) -> bool:
    return case.channel == actor.channel and case.reporter_id == actor.user_id


def refuse_unless_privileged(
    services: Services, actor: Actor, what: str, case_id: str | None = None
) -> v.Reply | None:
    if is_privileged(role_of(services.settings, actor)):
        return None
    return v.refusal(
        f"Only the responsible officer or counsel can {what}. "
        "Your officer has been paged; they will do it.",
        title="Officers only",
        case_id=case_id,
    )
