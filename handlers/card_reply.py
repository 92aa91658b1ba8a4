"""A case card with everything its viewer may see, loaded in one place: what `show_case`
answers and what every use case that changes a case answers with."""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from handlers import views as v
from handlers.access import REPLAYED, transact
from handlers.actors import Role
from handlers.presenters import case_card
from handlers.services import Services
from storage import cases
from storage.processes import LegalRecord, legal_record
from storage.records import CaseRecord, IntakeChange, StepRecord

CaseJob = Callable[[Database], "tuple[CaseRecord, dict[str, StepRecord]] | v.Reply"]
CardContent = tuple[CaseRecord, dict[str, StepRecord], list[IntakeChange], LegalRecord]


def card_content(db: Database, case: CaseRecord, steps: dict[str, StepRecord]) -> CardContent:
    """Inside a transaction: the case, its steps, later intake changes and legal record."""
    return case, steps, cases.intake_changes(db, case.id), legal_record(db, case.id)


def card_reply(services: Services, role: Role, content: CardContent) -> v.Reply:
    case, steps, changes, legal = content
    view = case_card(services, case, steps, viewer_role=role, changes=changes, legal=legal)
    return v.Reply(view=view, case_id=case.id)


async def card_after(
    services: Services, role: Role, job: CaseJob, delivery_key: str | None
) -> v.Reply:
    """Run `job` as one transaction; answer with its refusal, or the case card it left."""

    def whole(db: Database) -> CardContent | v.Reply:
        result = job(db)
        return result if isinstance(result, v.Reply) else card_content(db, *result)

    result = await transact(services, whole, delivery_key=delivery_key)
    if result is REPLAYED:
        return v.REPLAYED
    if isinstance(result, v.Reply):
        return result
    assert isinstance(result, tuple)
    services.on_queued()
    return card_reply(services, role, result)
