"""Turning case rows into views: the case card, guidance, forms and pages."""

from __future__ import annotations

from handlers import views as v
from handlers.actors import display_name, is_privileged
from handlers.services import Services
from playbooks.engine import DONE, NOT_APPLICABLE, applicable_steps, immediate_guidance
from storage.records import CaseRecord, StepRecord

DRILL_BANNER = "DRILL"
RESTRICTED_BANNER = "RESTRICTED"
STATE_LABELS = {"pending": "To do", DONE: "Done", NOT_APPLICABLE: "Not applicable"}
NOTES_LABEL = "Short note (no patron details)"
SUMMARY_MAX = 200


def banner_for(case: CaseRecord) -> str:
    return " · ".join(
        b for b, on in ((DRILL_BANNER, case.drill), (RESTRICTED_BANNER, case.restricted)) if on
    )


def guidance_view(services: Services, case: CaseRecord | None, presented: str | None) -> v.View:
    """Step 1's immediate guidance: what to say, what not to do. Shown within seconds."""
    say, do_not = immediate_guidance(services.playbook, presented)
    paged = _paged_line(services, case)
    return v.View(
        title="A request for library records: what to do now",
        sections=(
            v.Section("Say and do", tuple(say)),
            v.Section("Do not", tuple(do_not)),
        ),
        lines=(paged,) if paged else (),
        footer=services.playbook.disclaimer,
        banner=banner_for(case) if case else "",
        case_id=case.id if case else None,
    )


def _paged_line(services: Services, case: CaseRecord | None) -> str:
    if case is None:
        return ""
    chain = case.officer_chain
    if not chain:
        return "No officer can be paged in chat. Phone: " + phone_list(services)
    first = services.settings.officer(chain[0])
    who = f"{first.name} ({first.role})" if first and first.role else (first.name if first else "")
    return f"Case {case.id}: {who} is being paged now. You will be told when they acknowledge."


def phone_list(services: Services) -> str:
    people = services.settings.everyone_to_phone()
    contacts = [c for c in services.playbook.contacts if c.phone]
    parts = [f"{p.name} {p.phone}" for p in people] + [f"{c.name} {c.phone}" for c in contacts]
    return "; ".join(parts) if parts else "the library's responsible officer"


def intake_form(services: Services, case_id: str) -> v.Form:
    pb = services.playbook
    return v.Form(
        form_id="intake",
        title="Records request",
        submit_label="Send to officer",
        case_id=case_id,
        intro="Categories only: never a library user's name, card number or what they read.",
        fields=(
            v.FormField(
                "presented",
                "What did they present?",
                "choice",
                tuple(v.Choice(k, p.label) for k, p in pb.presentations.items()),
            ),
            v.FormField(
                "requester_kind",
                "Who is asking?",
                "choice",
                tuple(v.Choice(k, label) for k, label in pb.requester_kinds.items()),
            ),
            v.FormField("waiting_now", "Is the requester waiting now?", "yes_no"),
            v.FormField(
                "record_category",
                "What kind of record do they want?",
                "choice",
                tuple(v.Choice(k, label) for k, label in pb.record_categories.items()),
            ),
            v.FormField(
                "agency",
                "Agency or organisation (optional)",
                "text",
                required=False,
                max_length=80,
                hint="For example: County Sheriff. No personal details.",
            ),
        ),
    )


def close_form(services: Services, case_id: str) -> v.Form:
    return v.Form(
        form_id="close",
        title="Close the case",
        submit_label="Close case",
        case_id=case_id,
        fields=(
            v.FormField(
                "outcome",
                "Outcome",
                "choice",
                tuple(v.Choice(k, label) for k, label in services.playbook.outcomes.items()),
            ),
        ),
    )


def case_card(
    services: Services,
    case: CaseRecord,
    steps: dict[str, StepRecord],
    *,
    viewer_role: str,
) -> v.View:
    """The case as a viewer may see it: restricted cases show staff only that it was taken over."""
    if case.restricted and not is_privileged(viewer_role):
        return taken_over_view(case)
    pb = services.playbook
    states = {k: s.state for k, s in steps.items()}
    items = []
    for item in applicable_steps(pb, case.presented, states):
        note = ""
        record = steps.get(item.step.id)
        if record:
            note = (
                f"{STATE_LABELS[record.state]} by {display_name(services.settings, record.by_user)}"
                f" at {services.local_time(record.at)}"
            )
        buttons: tuple[v.Button, ...] = ()
        if case.is_open and item.state == "pending":
            value = f"{case.id}:{item.step.id}"
            buttons = (
                v.Button("Done", v.STEP_DONE, value, "primary"),
                v.Button("Not applicable", v.STEP_NOT_APPLICABLE, value),
            )
        items.append(
            v.StepItem(
                item.step.number,
                item.step.id,
                item.step.title,
                item.step.actor,
                item.state,
                item.wording,
                note,
                buttons,
            )
        )
    lines = []
    if case.on_hold:
        lines.append(pb.hold_reminder)
    return v.View(
        title=f"Case {case.id}: {pb.presentations[case.presented].label}",
        lines=tuple(lines),
        facts=_case_facts(services, case),
        steps=tuple(items),
        buttons=_case_buttons(case, viewer_role) + _hold_buttons(case, viewer_role),
        footer=pb.disclaimer,
        banner=banner_for(case),
        case_id=case.id,
    )


def _case_facts(services: Services, case: CaseRecord) -> tuple[v.Fact, ...]:
    pb = services.playbook
    facts = [v.Fact("Status", "Open" if case.is_open else "Closed")]
    if case.acknowledged_at:
        who = display_name(services.settings, case.acknowledged_by)
        facts.append(
            v.Fact("Acknowledged", f"{who} at {services.local_time(case.acknowledged_at)}")
        )
    else:
        facts.append(v.Fact("Acknowledged", "Not yet: the officer is being paged"))
    if case.requester_kind:
        facts.append(v.Fact("Requester", pb.requester_kinds.get(case.requester_kind, "Other")))
    if case.agency:
        facts.append(v.Fact("Agency", case.agency))
    if case.waiting_now is not None:
        facts.append(v.Fact("Waiting now", "Yes" if case.waiting_now else "No"))
    if case.record_category:
        facts.append(
            v.Fact("Records sought", pb.record_categories.get(case.record_category, "Other"))
        )
    facts.append(v.Fact("Reported", services.local_time(case.opened_at)))
    if case.on_hold:
        facts.append(v.Fact("Legal hold", "On hold: not purged until an officer releases it"))
    if case.outcome:
        facts.append(v.Fact("Outcome", pb.outcomes.get(case.outcome, case.outcome)))
    if case.summary:
        facts.append(v.Fact("Note", case.summary))
    return tuple(facts)


def _case_buttons(case: CaseRecord, viewer_role: str) -> tuple[v.Button, ...]:
    if not case.is_open:
        return ()
    buttons = []
    if not case.acknowledged_at and is_privileged(viewer_role):
        buttons.append(v.Button("Acknowledge", v.ACK_PAGE, case.id, "primary"))
    if case.intake_at is None:
        buttons.append(v.Button("Add details", v.OPEN_INTAKE, case.id))
    if is_privileged(viewer_role):
        buttons.append(v.Button("Close case", v.OPEN_CLOSE, case.id))
    return tuple(buttons)


def _hold_buttons(case: CaseRecord, viewer_role: str) -> tuple[v.Button, ...]:
    if case.on_hold and is_privileged(viewer_role):
        return (v.Button("Release legal hold", v.RELEASE_HOLD, case.id, "danger"),)
    return ()


def taken_over_view(case: CaseRecord) -> v.View:
    return v.View(
        title=f"Case {case.id}: the responsible officer has taken this over",
        lines=(
            "You do not need to do anything else.",
            "Do not discuss this request with anyone, in person or in chat.",
        ),
        banner=banner_for(case),
        case_id=case.id,
    )
