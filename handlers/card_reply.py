"""Answering a change to a case with its card: the one ending every case use case shares."""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from handlers import views as v
from handlers.access import REPLAYED, transact
from handlers.actors import Role
from handlers.presenters import case_card
from handlers.services import Services
from storage.records import CaseRecord, StepRecord

CaseJob = Callable[[Database], "tuple[CaseRecord, dict[str, StepRecord]] | v.Reply"]


async def card_after(
    services: Services, role: Role, job: CaseJob, delivery_key: str | None
) -> v.Reply:
    """Run `job` as one transaction; answer with its refusal, or the case card it left."""
    result = await transact(services, job, delivery_key=delivery_key)
    if result is REPLAYED:
        return v.REPLAYED
    if isinstance(result, v.Reply):
        return result
    assert isinstance(result, tuple)
    services.on_queued()
    case, steps = result
    return v.Reply(view=case_card(services, case, steps, viewer_role=role), case_id=case.id)
