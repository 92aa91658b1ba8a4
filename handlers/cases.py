"""Reporting an inquiry, adding its details, viewing and closing it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from handlers import escalation
from handlers import views as v
from handlers.access import load_case_for, load_open_case_for, refuse_unless_privileged
from handlers.actors import Actor, is_privileged, role_of
from handlers.outage import storage_guard
from handlers.presenters import (
    SUMMARY_MAX,
    case_card,
    close_form,
    guidance_view,
    intake_form,
    restricted_reporter_view,
)
from handlers.redact import redact
from handlers.services import Services
from playbooks.engine import outstanding_steps, resolve_presentation
from storage import cases, demands, pages
from storage.timefmt import to_text

AGENCY_MAX = 80


@dataclass(frozen=True)
class IntakeDetails:
    """What the requester presented and wants, in categories; never a patron or a title.

    `signed_by` answers "Is it signed by a judge or magistrate, and does it name a court?";
    None means it was not asked (scripted callers), which leaves `presented` as chosen.
    """

    presented: str
    requester_kind: str
    waiting_now: bool | None = None
    record_category: str = "unknown"
    agency: str = ""
    received_via: str = "in_person"
    signed_by: str | None = None


def intake_from_answers(answers: Mapping[str, object]) -> IntakeDetails:
    """The intake form's answers, as any channel received them; odd values are kept for
    submit_intake to refuse with a clear message, never guessed."""

    def text(name: str) -> str:
        value = answers.get(name)
        return value.strip() if isinstance(value, str) else ""

    return IntakeDetails(
        presented=text("presented"),
        requester_kind=text("requester_kind"),
        waiting_now={v.YES: True, v.NO: False}.get(text("waiting_now")),
        record_category=text("record_category") or "unknown",
        agency=text("agency"),
        received_via=text("received_via"),
        signed_by=text("signed_by"),
    )


@storage_guard
async def report_inquiry(
    services: Services,
    actor: Actor,
    *,
    drill: bool = False,
    idempotency_key: str | None = None,
    reporter_ref: dict[str, Any] | None = None,
) -> v.Reply:
    """Open a case and queue the first page in one transaction; return step 1's guidance.

    A repeated `idempotency_key` (a retried delivery) returns the same case, paging once.
    """
    now = services.now()
    chain = escalation.escalation_chain(services.settings, services.page_channels)

    def open_case(db: Database) -> str:
        if idempotency_key:
            seen = cases.remember_event(db, idempotency_key, case_id=None, at=to_text(now))
            if seen is not None:
                return seen
        case_id = cases.insert_case(
            db,
            opened_at=to_text(now),
            drill=drill,
            channel=actor.channel,
            reporter_id=actor.user_id,
            reporter_ref=reporter_ref,
            chain=chain,
        )
        escalation.queue_escalation(
            db,
            settings=services.settings,
            case_id=case_id,
            chain=chain,
            page_channels=services.page_channels,
            now=now,
        )
        if idempotency_key:
            cases.link_event(db, idempotency_key, case_id)
        return case_id

    case_id = await services.store.run(open_case)
    services.on_queued()
    case = await services.store.run(lambda db: cases.get_case(db, case_id))
    if case is None:  # the key was seen but its case has since been purged
        return v.refusal("That report was already handled.", title="Already reported")
    return v.Reply(
        view=guidance_view(services, case),
        form=intake_form(services, case.id),
        case_id=case.id,
    )


@storage_guard
async def submit_intake(
    services: Services, actor: Actor, case_id: str, details: IntakeDetails
) -> v.Reply:
    """Record what was presented; log unauthorized demands, hold legal process, page counsel."""
    pb = services.playbook
    problem = _intake_problem(services, details)
    if problem:
        return v.refusal(problem, title="Please check the form", case_id=case_id)
    loaded = await load_open_case_for(services, actor, case_id)
    if isinstance(loaded, v.Reply):
        return loaded
    case, _ = loaded
    presented = resolve_presentation(pb, details.presented, details.signed_by)
    presentation = pb.presentations[presented]  # type: ignore[index]
    agency = redact(details.agency, max_length=AGENCY_MAX) or None
    now = services.now()

    def record(db: Database) -> None:
        fresh = cases.get_case(db, case_id)
        cases.update_case(
            db,
            case_id,
            presented=presented,
            received_via=details.received_via,
            signed_by=details.signed_by,
            requester_kind=details.requester_kind,
            waiting_now=None if details.waiting_now is None else int(details.waiting_now),
            record_category=details.record_category,
            agency=agency,
            restricted=int(presentation.restricted or fresh.restricted),
            legal_hold=int(presentation.legal_process or fresh.legal_hold),
            intake_at=to_text(now),
        )
        cases.record_event(
            db, case_id, at=to_text(now), kind="intake", code=presented, by_user=actor.ref
        )
        if presentation.unauthorized:
            demands.log_demand(
                db,
                case_id=case_id,
                logged_at=fresh.opened_at,
                drill=bool(fresh.drill),
                requester_kind=details.requester_kind,
                presented=presented,
                agency=agency,
                record_category=details.record_category,
            )
        else:
            demands.remove_demand(db, case_id)
        updated = cases.get_case(db, case_id)
        if presentation.urgent:
            escalation.queue_counsel(
                db,
                settings=services.settings,
                case_id=case_id,
                page_channels=services.page_channels,
                now=now,
            )
            if not updated.acknowledged_at:
                escalation.hasten_escalation(
                    db,
                    settings=services.settings,
                    case=updated,
                    page_channels=services.page_channels,
                    now=now,
                )
        escalation.queue_reporter_card(db, updated, now)

    await services.store.run(record)
    services.on_queued()
    case = await services.store.run(lambda db: cases.get_case(db, case_id))
    if case.restricted and not is_privileged(role_of(services.settings, actor)):
        # The reporter learns whom they may tell, and whether an officer really has it.
        return v.Reply(view=restricted_reporter_view(services, case), case_id=case_id)
    # The case card itself reaches the reporter through the pager (one card, kept current).
    return v.Reply(view=guidance_view(services, case), case_id=case_id)


def _intake_problem(services: Services, details: IntakeDetails) -> str | None:
    pb = services.playbook
    checks: tuple[tuple[object, Mapping[str, object], str], ...] = (
        (details.presented, pb.offered_presentations(), "what was presented"),
        (details.received_via, pb.received_via, "how the request came"),
        (details.requester_kind, pb.requester_kinds, "who is asking"),
        (details.record_category, pb.record_categories, "the kind of record"),
    )
    for value, allowed, what in checks:
        if not isinstance(value, str) or value not in allowed:
            return f"Choose {what} from the list."
    if details.signed_by is not None:
        if details.signed_by not in pb.signers:
            return "Choose from the list whether a judge signed it."
        document = pb.presentations[details.presented].document  # type: ignore[index]
        if not document and details.signed_by in ("court", "agency"):
            label = pb.presentations[details.presented].choice_label  # type: ignore[index]
            return (
                f'You chose "{label}" but also said who signed a document. '
                "Choose again what they presented, or that there is no document."
            )
    if len(details.agency) > 500:
        return "The agency name is too long; a short name is enough."
    return None


@storage_guard
async def show_case(services: Services, actor: Actor, case_id: str) -> v.Reply:
    loaded = await load_case_for(services, actor, case_id)
    if isinstance(loaded, v.Reply):
        return loaded
    case, steps = loaded
    role = role_of(services.settings, actor)
    return v.Reply(view=case_card(services, case, steps, viewer_role=role), case_id=case_id)


@storage_guard
async def intake_form_for(services: Services, actor: Actor, case_id: str) -> v.Reply:
    loaded = await load_open_case_for(services, actor, case_id)
    if isinstance(loaded, v.Reply):
        return loaded
    view = v.View(title=f"Case {case_id}: add details", case_id=case_id)
    return v.Reply(view=view, form=intake_form(services, case_id), case_id=case_id)


@storage_guard
async def close_form_for(services: Services, actor: Actor, case_id: str) -> v.Reply:
    refused = refuse_unless_privileged(services, actor, "close a case", case_id)
    if refused:
        return refused
    loaded = await load_case_for(services, actor, case_id)
    if isinstance(loaded, v.Reply):
        return loaded
    view = v.View(title=f"Close case {case_id}", case_id=case_id)
    return v.Reply(view=view, form=close_form(services, case_id), case_id=case_id)


@storage_guard
async def close_case(
    services: Services, actor: Actor, case_id: str, outcome: str, *, summary: str = ""
) -> v.Reply:
    """Officers close a case once its required steps are finished; retention starts then."""
    refused = refuse_unless_privileged(services, actor, "close a case", case_id)
    if refused:
        return refused
    if outcome not in services.playbook.outcomes:
        return v.refusal("Choose an outcome from the list.", title="Please check the form")
    loaded = await load_open_case_for(services, actor, case_id)
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
            case_id=case_id,
        )
    now = services.now()
    keep = services.settings.retention.drills if case.drill else services.settings.retention.cases

    def close(db: Database) -> None:
        cases.update_case(
            db,
            case_id,
            status="closed",
            closed_at=to_text(now),
            closed_by=actor.ref,
            outcome=outcome,
            purge_after=to_text(now + keep),
            summary=redact(summary, max_length=SUMMARY_MAX) or None,
        )
        cases.record_event(
            db, case_id, at=to_text(now), kind="closed", code=outcome, by_user=actor.ref
        )
        demands.set_demand_outcome(db, case_id, outcome)
        pages.cancel_escalation(db, case_id)
        escalation.queue_reporter_card(db, cases.get_case(db, case_id), now)

    await services.store.run(close)
    services.on_queued()
    return await show_case(services, actor, case_id)


@storage_guard
async def status(services: Services, actor: Actor) -> v.Reply:
    """Open cases: all of them for officers, one's own for staff."""
    role = role_of(services.settings, actor)
    if is_privileged(role):
        found = await services.store.run(lambda db: cases.open_cases(db))
    else:
        found = await services.store.run(lambda db: cases.cases_reported_by(db, actor.user_id))
    if not found:
        return v.Reply(view=v.View(title="No open cases", lines=("Nothing is waiting.",)))
    lines = []
    buttons = []
    for case in found[:20]:
        label = services.playbook.presentations[case.presented].label
        ack = "acknowledged" if case.acknowledged_at else "awaiting acknowledgement"
        drill = " (drill)" if case.drill else ""
        if case.restricted and not is_privileged(role):
            who = "has it" if case.acknowledged_at else "is being paged"
            lines.append(f"{case.id}{drill}: restricted; the responsible officer {who}")
        else:
            lines.append(
                f"{case.id}{drill}: {label}; {ack}; reported {services.local_time(case.opened_at)}"
            )
        if len(buttons) < 10:  # the first few, one tap away on a phone
            if is_privileged(role) and not case.acknowledged_at:
                buttons.append(v.Button(f"Acknowledge {case.id}", v.ACK_PAGE, case.id, "primary"))
            buttons.append(v.Button(f"Open {case.id}", v.OPEN_CASE, case.id))
    return v.Reply(
        view=v.View(title=f"Open cases ({len(found)})", lines=tuple(lines), buttons=tuple(buttons))
    )
