"""Who may see and act on which case: checks that run inside a use case's transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlite_utils import Database

from handlers import views as v
from handlers.actors import Actor, Role, is_privileged
from handlers.services import Services
from storage import cases, seen
from storage.records import CaseRecord, StepRecord

T = TypeVar("T")
CASE_ID_MAX = 40
NOT_FOUND = (
    "There is no open case {case_id} that you can see. Check the case id, or ask your officer."
)


def case_refusal(
    case: CaseRecord | None,
    actor: Actor,
    role: Role,
    case_id: str,
    *,
    open_only: bool = False,
) -> v.Reply | None:
    """Why this actor may not see (or, with open_only, act on) the case; None if they may.

    Staff see the cases they reported; officers and counsel see all. The refusal is the same
    for a case that does not exist and one that is someone else's, so ids cannot be probed.
    """
    if case is None or not (is_privileged(role) or is_reporter(case, actor)):
        shown = case_id if _plausible_id(case_id) else "with that id"
        return v.refusal(NOT_FOUND.format(case_id=shown), title="Case not found")
    if open_only and not case.is_open:
        return v.refusal(f"Case {case.id} is closed.", case_id=case.id)
    return None


def is_reporter(case: CaseRecord, actor: Actor) -> bool:
    return case.channel == actor.channel and case.reporter_id == actor.user_id


def officers_only(what: str, case_id: str | None = None) -> v.Reply:
    return v.refusal(
        f"Only the responsible officer or counsel can {what}. "
        "Your officer has been paged; they will do it.",
        title="Officers only",
        case_id=case_id,
    )


def refuse_unless_privileged(role: Role, what: str, case_id: str | None = None) -> v.Reply | None:
    return None if is_privileged(role) else officers_only(what, case_id)


def load_visible(
    db: Database, actor: Actor, role: Role, case_id: str, *, open_only: bool = False
) -> tuple[CaseRecord, dict[str, StepRecord]] | v.Reply:
    """Inside a transaction: the case and its steps, or the refusal to show them."""
    case = cases.get_case(db, case_id) if _plausible_id(case_id) else None
    refused = case_refusal(case, actor, role, case_id, open_only=open_only)
    if refused is not None or case is None:
        return refused or v.refusal(NOT_FOUND.format(case_id="with that id"))
    return case, cases.step_records(db, case.id)


class _Replayed:
    """The marker a job returns when its delivery key was already claimed."""


REPLAYED = _Replayed()


async def transact(
    services: Services, job: Callable[[Database], T], *, delivery_key: str | None = None
) -> T | _Replayed:
    """Run one use case's job in one transaction; with a delivery key, only the first
    delivery of it runs (a retried delivery finds the key and changes nothing)."""
    at = services.now_text()

    def once(db: Database) -> T | _Replayed:
        if delivery_key is not None and seen.was_claimed(db, delivery_key):
            return REPLAYED
        result = job(db)
        # A refusal changes nothing, so the same delivery may be sent again once fixed.
        if delivery_key is not None and not (isinstance(result, v.Reply) and result.refused):
            seen.claim(db, delivery_key, at=at)
        return result

    return await services.store.run(once)


def _plausible_id(case_id: object) -> bool:
    return isinstance(case_id, str) and 0 < len(case_id) <= CASE_ID_MAX
