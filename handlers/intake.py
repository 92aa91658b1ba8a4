"""The intake form: what the requester presented and wants, in categories, never a person."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlite_utils import Database

from handlers import escalation
from handlers import views as v
from handlers.access import REPLAYED, load_visible, transact
from handlers.actors import Actor, is_privileged, person_for_ref, role_of
from handlers.outage import storage_guard
from handlers.presenters import guidance_view, intake_form, restricted_reporter_view
from handlers.redact import redact
from handlers.services import Services
from playbooks.engine import resolve_presentation
from storage import cases, demands
from storage.records import CaseRecord
from storage.timefmt import to_text

AGENCY_MAX = 80
AGENCY_INPUT_MAX = 500
# What intake records as choices, compared when the reporter sends the form again.
CHOICE_FIELDS = (
    "presented",
    "signed_by",
    "received_via",
    "requester_kind",
    "record_category",
    "waiting_now",
)


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
async def intake_form_for(services: Services, actor: Actor, case_id: str) -> v.Reply:
    role = role_of(services.settings, actor)
    loaded = await services.store.run(
        lambda db: load_visible(db, actor, role, case_id, open_only=True)
    )
    if isinstance(loaded, v.Reply):
        return loaded
    case, _ = loaded
    view = v.View(title=f"Case {case.id}: add details", case_id=case.id)
    return v.Reply(view=view, form=intake_form(services, case.id), case_id=case.id)


@storage_guard
async def submit_intake(
    services: Services,
    actor: Actor,
    case_id: str,
    details: IntakeDetails,
    *,
    delivery_key: str | None = None,
) -> v.Reply:
    """Record what was presented: log unauthorized demands, hold legal process, page counsel
    and hurry escalation when urgent. Sent again after an acknowledgement, every change is
    recorded and the officer who has the case is told."""
    problem = intake_problem(services, details)
    if problem is not None:
        message, field = problem
        return v.refusal(message, title="Please check the form", case_id=case_id, field=field)
    pb = services.playbook
    presented = resolve_presentation(pb, details.presented, details.signed_by)
    presentation = pb.presentation(presented)
    agency = redact(details.agency, max_length=AGENCY_MAX) or None
    role = role_of(services.settings, actor)
    now = services.now()
    at = to_text(now)
    answers = {
        "presented": presented,
        "signed_by": details.signed_by,
        "received_via": details.received_via,
        "requester_kind": details.requester_kind,
        "record_category": details.record_category,
        "waiting_now": None if details.waiting_now is None else int(details.waiting_now),
    }

    def record(db: Database) -> CaseRecord | v.Reply:
        loaded = load_visible(db, actor, role, case_id, open_only=True)
        if isinstance(loaded, v.Reply):
            return loaded
        case, _ = loaded
        changed = _changes(case, answers, agency) if case.intake_at else []
        cases.update_case(
            db,
            case.id,
            **answers,
            agency=agency,
            restricted=int(presentation.restricted or case.restricted),
            legal_hold=int(presentation.legal_process or case.legal_hold),
            intake_at=at,
        )
        cases.record_event(db, case.id, at=at, kind="intake", code=presented, by_user=actor.ref)
        for change in changed:
            cases.record_event(
                db, case.id, at=at, kind="intake_changed", code=change, by_user=actor.ref
            )
        if presentation.unauthorized:
            demands.log_demand(
                db,
                case_id=case.id,
                logged_at=case.opened_at,
                drill=bool(case.drill),
                requester_kind=details.requester_kind,
                presented=presented,
                record_category=details.record_category,
            )
        else:
            demands.remove_demand(db, case.id)
        updated = cases.require_case(db, case.id)
        if presentation.urgent:
            escalation.queue_counsel(
                db,
                settings=services.settings,
                case_id=case.id,
                page_channels=services.page_channels,
                now=now,
            )
            if not updated.acknowledged_at:
                escalation.hasten_escalation(db, settings=services.settings, case=updated, now=now)
        if changed and updated.acknowledged_at:
            holder = person_for_ref(services.settings, updated.acknowledged_by)
            if holder is not None:
                escalation.queue_change_notice(
                    db,
                    settings=services.settings,
                    case=updated,
                    person=holder,
                    page_channels=services.page_channels,
                    now=now,
                )
        escalation.queue_reporter_card(db, updated, now)
        return updated

    result = await transact(services, record, delivery_key=delivery_key)
    if result is REPLAYED:
        return v.REPLAYED
    if isinstance(result, v.Reply):
        return result
    assert isinstance(result, CaseRecord)
    services.on_queued()
    if result.restricted and not is_privileged(role):
        # The reporter learns whom they may tell, and whether an officer really has it.
        return v.Reply(view=restricted_reporter_view(services, result), case_id=result.id)
    # The case card itself reaches the reporter through the pager (one card, kept current).
    return v.Reply(view=guidance_view(services, result), case_id=result.id)


def _changes(case: CaseRecord, answers: Mapping[str, object], agency: str | None) -> list[str]:
    """What a second intake changes, as `field:old>new` for choices; free text only by name."""
    found = []
    for name in CHOICE_FIELDS:
        old, new = getattr(case, name), answers[name]
        if old != new:
            found.append(f"{name}:{'' if old is None else old}>{'' if new is None else new}")
    if (case.agency or None) != agency:
        found.append("agency")
    return found


def intake_problem(services: Services, details: IntakeDetails) -> tuple[str, str] | None:
    """What is wrong with the form, and on which field; None if it can be recorded."""
    pb = services.playbook
    checks: tuple[tuple[str, object, Mapping[str, object], str], ...] = (
        ("presented", details.presented, pb.offered_presentations(), "what was presented"),
        ("received_via", details.received_via, pb.labels("received_via"), "how the request came"),
        ("requester_kind", details.requester_kind, pb.requester_kinds, "who is asking"),
        ("record_category", details.record_category, pb.record_categories, "the kind of record"),
    )
    for field, value, allowed, what in checks:
        if not isinstance(value, str) or value not in allowed:
            return f"Choose {what} from the list.", field
    if details.signed_by is not None:
        if details.signed_by not in pb.signers:
            return "Choose from the list whether a judge signed it.", "signed_by"
        presentation = pb.presentation(details.presented)
        if not presentation.document and details.signed_by in ("court", "agency"):
            return (
                f'You chose "{presentation.choice_label}" but also said who signed a '
                "document. Choose again what they presented, or that there is no document.",
                "signed_by",
            )
    if len(details.agency) > AGENCY_INPUT_MAX:
        return "The agency name is too long; a short name is enough.", "agency"
    return None
