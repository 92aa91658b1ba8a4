"""Closing a case: officers only, once its required steps are finished; retention starts."""

from __future__ import annotations

from collections.abc import Mapping

from sqlite_utils import Database

from handlers import escalation
from handlers import views as v
from handlers.access import load_visible, refuse_unless_privileged
from handlers.actors import Actor, role_of
from handlers.card_reply import card_after
from handlers.outage import storage_guard
from handlers.presenters import SUMMARY_MAX, close_form
from handlers.redact import redact
from handlers.services import Services
from playbooks.engine import outstanding_steps
from storage import cases, demands
from storage.records import CaseRecord, StepRecord
from storage.timefmt import to_text


def close_from_answers(answers: Mapping[str, object]) -> tuple[str, str]:
    """The close form's outcome and short note, as any channel received them."""
    outcome, summary = answers.get("outcome"), answers.get("summary")
    return (
        outcome.strip() if isinstance(outcome, str) else "",
        summary if isinstance(summary, str) else "",
    )


@storage_guard
async def close_form_for(services: Services, actor: Actor, case_id: str) -> v.Reply:
    role = role_of(services.settings, actor)
    refused = refuse_unless_privileged(role, "close a case", case_id)
    if refused:
        return refused
    loaded = await services.store.run(
        lambda db: load_visible(db, actor, role, case_id, open_only=True)
    )
    if isinstance(loaded, v.Reply):
        return loaded
    case, _ = loaded
    view = v.View(title=f"Close case {case.id}", case_id=case.id)
    return v.Reply(view=view, form=close_form(services, case.id), case_id=case.id)


@storage_guard
async def close_case(
    services: Services,
    actor: Actor,
    case_id: str,
    outcome: str,
    *,
    summary: str = "",
    delivery_key: str | None = None,
) -> v.Reply:
    """Close the case with its outcome and an optional short note (redacted)."""
    role = role_of(services.settings, actor)
    refused = refuse_unless_privileged(role, "close a case", case_id)
    if refused:
        return refused
    if outcome not in services.playbook.outcomes:
        return v.refusal(
            "Choose an outcome from the list.", title="Please check the form", field="outcome"
        )
    note = redact(summary, max_length=SUMMARY_MAX) or None
    now = services.now()
    at = to_text(now)

    def close(db: Database) -> tuple[CaseRecord, dict[str, StepRecord]] | v.Reply:
        loaded = load_visible(db, actor, role, case_id, open_only=True)
        if isinstance(loaded, v.Reply):
            return loaded
        case, steps = loaded
        states = {k: s.state for k, s in steps.items()}
        remaining = outstanding_steps(services.playbook, case.presented, states)
        if remaining:
            names = "; ".join(f"{s.number}. {s.title}" for s in remaining)
            return v.refusal(
                f"Mark these steps done or not applicable first: {names}.",
                title="Steps still open",
                case_id=case.id,
            )
        retention = services.settings.retention
        keep_for = retention.drills if case.drill else retention.cases
        cases.update_case(
            db,
            case.id,
            status="closed",
            closed_at=at,
            closed_by=actor.ref,
            outcome=outcome,
            purge_after=to_text(now + keep_for),
            summary=note,
        )
        cases.record_event(db, case.id, at=at, kind="closed", code=outcome, by_user=actor.ref)
        demands.set_demand_outcome(db, case.id, outcome)
        escalation.stop_escalation(db, case.id)
        updated = cases.require_case(db, case.id)
        escalation.queue_reporter_card(db, updated, now)
        return updated, cases.step_records(db, case.id)

    return await card_after(services, role, close, delivery_key)
