"""Turning case rows into views: the case card, guidance, forms and pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers import views as v
from handlers.actors import display_name, is_privileged
from handlers.services import Services
from playbooks.engine import DONE, NOT_APPLICABLE, applicable_steps, first_screen
from playbooks.model import CaseFacts
from storage.processes import LegalRecord, ProcessRecord
from storage.records import CaseRecord, IntakeChange, StepRecord

DRILL_BANNER = "DRILL"
RESTRICTED_BANNER = "RESTRICTED"
STATE_LABELS = {"pending": "To do", DONE: "Done", NOT_APPLICABLE: "Not applicable"}
NOTES_LABEL = "Short note (no patron details)"
SUMMARY_MAX = 200


def banner_for(case: CaseRecord) -> str:
    return " · ".join(
        b for b, on in ((DRILL_BANNER, case.drill), (RESTRICTED_BANNER, case.restricted)) if on
    )


def is_urgent(services: Services, case: CaseRecord) -> bool:
    """Urgent: what was presented says so, or the requester is waiting; a restricted case
    always is (it says nothing else, so marking it urgent reveals nothing)."""
    presentation = services.playbook.presentation(case.presented)
    return presentation.urgent or bool(case.waiting_now) or bool(case.restricted)


def case_facts(services: Services, case: CaseRecord | None) -> CaseFacts:
    """What the wording depends on; before intake only the kind of library is known."""
    kind = services.settings.library.kind
    if case is None or case.intake_at is None:
        return CaseFacts(library_kind=kind)
    return CaseFacts(
        presented=case.presented,  # type: ignore[arg-type]
        received_via=case.received_via,  # type: ignore[arg-type]
        requester_kind=case.requester_kind,
        record_category=case.record_category,
        library_kind=kind,
    )


def guidance_view(services: Services, case: CaseRecord | None) -> v.View:
    """Step 1's immediate guidance, numbered, for what is known of the case so far.

    Before intake it is the default screen, safe whatever turns out to be presented.
    """
    lines = first_screen(services.playbook, case_facts(services, case))
    sections = [v.Section("What to do now", tuple(line.text for line in lines), numbered=True)]
    paged = _paged_line(services, case)
    if paged:
        sections.append(v.Section("", (paged,), bulleted=False))
    return v.View(
        title="A request for library records: what to do now",
        sections=tuple(sections),
        footer=services.playbook.disclaimer,
        banner=banner_for(case) if case else "",
        case_id=case.id if case else None,
        restricted=bool(case and case.restricted),
    )


def _paged_line(services: Services, case: CaseRecord | None) -> str:
    if case is None:
        return ""
    if case.acknowledged_at:
        who = display_name(services.settings, case.acknowledged_by)
        return f"Case {case.id}: {who} has acknowledged and is handling it."
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
    offered = pb.offered_presentations()
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
                tuple(v.Choice(k, p.choice_label) for k, p in offered.items()),
            ),
            v.FormField(
                "signed_by",
                "Is it signed by a judge or magistrate, and does it name a court?",
                "choice",
                tuple(v.Choice(k, label) for k, label in pb.signers.items()),
            ),
            v.FormField(
                "received_via",
                "How did the request come?",
                "choice",
                tuple(v.Choice(k, label) for k, label in pb.received_via.items()),
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
            v.FormField(
                "summary",
                NOTES_LABEL,
                "text",
                required=False,
                max_length=SUMMARY_MAX,
                hint="Kept with the case only, and purged with it. Never a library user's details.",
            ),
        ),
    )


def case_card(
    services: Services,
    case: CaseRecord,
    steps: dict[str, StepRecord],
    *,
    viewer_role: str,
    changes: Sequence[IntakeChange] = (),
    legal: LegalRecord | None = None,
) -> v.View:
    """The case as a viewer may see it: for a restricted case, staff see only whom they may
    tell and whether an officer has it. Officers also see what the reporter changed, and the
    record of legal process: what was served, when it is due, what was released."""
    if case.restricted and not is_privileged(viewer_role):
        return restricted_reporter_view(services, case)
    pb = services.playbook
    states = {k: s.state for k, s in steps.items()}
    items = []
    for item in applicable_steps(pb, case.presented, states, case_facts(services, case)):
        note = ""
        record = steps.get(item.step.id)
        if record:
            note = (
                f"{STATE_LABELS[record.state]} by {display_name(services.settings, record.by_user)}"
                f" at {services.local_time(record.at)}"
            )
        buttons: tuple[v.Button, ...] = ()
        if case.is_open and item.step.form and is_privileged(viewer_role):
            buttons += _step_form_button(case, item.step.form, legal)
        if case.is_open and item.state == "pending":
            value = f"{case.id}:{item.step.id}"
            buttons += (
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
    sections: tuple[v.Section, ...] = ()
    if is_privileged(viewer_role):
        if changes:
            heading = "Changed by the reporter after the first form"
            sections += (v.Section(heading, change_lines(services, changes)),)
        sections += (state_law_section(services),)
    return v.View(
        title=f"Case {case.id}: {pb.presentation(case.presented).label}",
        lines=tuple(lines),
        sections=sections,
        facts=_case_facts(services, case)
        + (legal_facts(services, case, legal) if is_privileged(viewer_role) else ()),
        steps=tuple(items),
        buttons=_case_buttons(case, viewer_role)
        + _legal_buttons(services, case, viewer_role, legal)
        + _hold_buttons(case, viewer_role),
        footer=pb.disclaimer,
        banner=banner_for(case),
        case_id=case.id,
        restricted=bool(case.restricted),
    )


CHANGE_LABELS = {
    "presented": "What was presented",
    "signed_by": "Signed by a judge",
    "received_via": "How it came",
    "requester_kind": "Who is asking",
    "record_category": "Records sought",
    "waiting_now": "Waiting now",
    "agency": "Agency",
}


def change_lines(services: Services, changes: Sequence[IntakeChange]) -> tuple[str, ...]:
    """Each later change to intake, in words: "What was presented: A → B (time)"."""
    pb = services.playbook
    labels: dict[str, dict[str, str]] = {
        "presented": {k: p.label for k, p in pb.presentations.items()},
        "signed_by": pb.labels("signers"),
        "received_via": pb.labels("received_via"),
        "requester_kind": pb.requester_kinds,
        "record_category": pb.record_categories,
        "waiting_now": {"1": "Yes", "0": "No"},
    }

    def word(field: str, key: str | None) -> str:
        return labels.get(field, {}).get(key or "", key or "not said")

    out = []
    for change in changes:
        what = CHANGE_LABELS.get(change.field, change.field)
        when = services.local_time(change.at)
        if change.field == "agency" or (change.old is None and change.new is None):
            out.append(f"{what} changed ({when})")
        else:
            old, new = word(change.field, change.old), word(change.field, change.new)
            out.append(f"{what}: {old} → {new} ({when})")
    return tuple(out)


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
    if case.received_via:
        facts.append(v.Fact("Came", pb.labels("received_via").get(case.received_via, "Other")))
    if case.signed_by and case.signed_by != "none":
        facts.append(
            v.Fact("Signed by a judge", pb.labels("signers").get(case.signed_by, "Not sure"))
        )
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
        buttons.append(v.Button("Acknowledge", v.ACK_CASE, case.id, "primary"))
    if case.intake_at is None:
        buttons.append(v.Button("Add details", v.OPEN_INTAKE, case.id))
    if is_privileged(viewer_role):
        buttons.append(v.Button("Close case", v.OPEN_CLOSE, case.id))
    return tuple(buttons)


def _hold_buttons(case: CaseRecord, viewer_role: str) -> tuple[v.Button, ...]:
    if case.on_hold and is_privileged(viewer_role):
        return (v.Button("Release legal hold", v.RELEASE_HOLD, case.id, "danger"),)
    return ()


def restricted_reporter_view(services: Services, case: CaseRecord) -> v.View:
    """What the reporter of a restricted case sees: whom they may tell, and whether an
    officer has really acknowledged. Nothing else about the case."""
    lines = first_screen(services.playbook, case_facts(services, case))
    status = (
        "The responsible officer has it."
        if case.acknowledged_at
        else "The responsible officer is being paged now. You will be told when they have it."
    )
    return v.View(
        title=f"Case {case.id}: only the responsible officer and counsel see this case",
        sections=(
            v.Section("What to do now", tuple(line.text for line in lines), numbered=True),
            v.Section("", (status,), bulleted=False),
        ),
        banner=banner_for(case),
        case_id=case.id,
        restricted=True,
    )


STATE_LAW_FIELDS = (
    ("statute", "Statute"),
    ("before_disclosure", "Before any disclosure"),
    ("parents_and_minors", "Parents and minors"),
    ("camera_footage", "Camera footage"),
    ("counsel_note", "Counsel's note"),
)


def state_law_section(services: Services) -> v.Section:
    """Your state's rules as counsel wrote them (config `state_law`), for officers."""
    law = services.settings.state_law
    lines = tuple(
        f"{label}: {getattr(law, name)}" for name, label in STATE_LAW_FIELDS if getattr(law, name)
    )
    if not lines:
        lines = (
            "Your counsel has not written your state's rules into PatronGuard yet "
            "(state_law in patronguard.yaml). Ask counsel before releasing anything.",
        )
    return v.Section("Your state's rules, as your counsel wrote them", lines)


# -- the record of legal process -----------------------------------------------------------

RELEASES_SHOWN = 5


def day_text(day: date) -> str:
    """A date as people write it: 12 Jan 2027."""
    return f"{day.day} {day:%b %Y}"


def legal_facts(
    services: Services, case: CaseRecord, legal: LegalRecord | None
) -> tuple[v.Fact, ...]:
    pb = services.playbook
    facts: list[v.Fact] = []
    process = legal.process if legal else None
    if process is not None:
        received = day_text(date.fromisoformat(process.received_on))
        how = pb.labels("received_how").get(process.received_how, process.received_how)
        served = pb.served_on.get(process.served_on, process.served_on)
        facts += [
            v.Fact(
                "Process",
                f"{pb.labels('process_kinds').get(process.kind, process.kind)}, from "
                f"{pb.labels('authorities').get(process.authority, process.authority).lower()}",
            ),
            v.Fact("Received", f"{received}, {how.lower()}; served on: {served.lower()}"),
            v.Fact("Response due", deadline_text(services, process)),
            v.Fact("Complete copy with counsel", "Yes" if process.copy_with_counsel else "No"),
        ]
        if process.note:
            facts.append(v.Fact("Process note", process.note))
    releases = legal.releases if legal else ()
    for release in releases[:RELEASES_SHOWN]:
        category = pb.record_categories.get(release.record_category, "Other")
        day = day_text(date.fromisoformat(release.released_on))
        facts.append(v.Fact("Released", f"{release.items} item(s): {category}, on {day}"))
    if len(releases) > RELEASES_SHOWN:
        facts.append(v.Fact("Released", f"and {len(releases) - RELEASES_SHOWN} more"))
    if case.on_hold and case.hold_until:
        until = services.local_time(case.hold_until)
        facts.append(v.Fact("Records preserved until", f"{until}, unless counsel extends it"))
    return tuple(facts)


def deadline_text(services: Services, process: ProcessRecord) -> str:
    """When the response is due, and how near: "12 Jan 2027 (in 3 days)"; or that it passed."""
    if not process.due_on:
        return "No date recorded"
    due = date.fromisoformat(process.due_on)
    if process.responded_at:
        return f"{day_text(due)}: response sent {services.local_time(process.responded_at)}"
    days = (due - services.now().astimezone(services.settings.library.zone).date()).days
    if days < 0:
        return f"{day_text(due)}: PASSED {-days} day(s) ago, and no response is recorded"
    when = "today" if days == 0 else ("tomorrow" if days == 1 else f"in {days} days")
    return f"{day_text(due)} ({when})"


def deadline_missed(services: Services, process: ProcessRecord | None) -> bool:
    if process is None or not process.due_on or process.responded_at:
        return False
    today = services.now().astimezone(services.settings.library.zone).date()
    return date.fromisoformat(process.due_on) < today


def _step_form_button(
    case: CaseRecord, form: str, legal: LegalRecord | None
) -> tuple[v.Button, ...]:
    if form == "process":
        recorded = legal is not None and legal.process is not None
        label = "Change the process record" if recorded else "Record the process"
        return (v.Button(label, v.OPEN_PROCESS, case.id),)
    if form == "release":
        return (v.Button("Log a release", v.OPEN_RELEASE, case.id),)
    return ()


def _legal_buttons(
    services: Services, case: CaseRecord, viewer_role: str, legal: LegalRecord | None
) -> tuple[v.Button, ...]:
    if not is_privileged(viewer_role):
        return ()
    buttons: list[v.Button] = []
    process = legal.process if legal else None
    if process is not None and process.due_on and not process.responded_at:
        buttons.append(v.Button("Response sent", v.RESPONSE_SENT, case.id, "primary"))
    if services.playbook.presentation(case.presented).unauthorized and not case.on_hold:
        days = services.settings.legal_process.preservation.days
        buttons.append(v.Button(f"Preserve the records {days} days", v.PRESERVE, case.id))
    if viewer_role == "counsel" and case.on_hold and case.hold_until:
        buttons.append(v.Button("Extend preservation", v.EXTEND_PRESERVATION, case.id))
    return tuple(buttons)


def process_form(services: Services, case_id: str, existing: ProcessRecord | None) -> v.Form:
    pb = services.playbook

    def choices(labels: dict[str, str]) -> tuple[v.Choice, ...]:
        return tuple(v.Choice(k, label) for k, label in labels.items())

    was = existing
    return v.Form(
        form_id="process",
        title="Record the legal process",
        submit_label="Record",
        case_id=case_id,
        intro="Categories and dates only: never a library user's name or what they read.",
        fields=(
            v.FormField(
                "kind",
                "What was served?",
                "choice",
                choices(pb.labels("process_kinds")),
                initial=was.kind if was else None,
            ),
            v.FormField(
                "authority",
                "Who issued it?",
                "choice",
                choices(pb.labels("authorities")),
                initial=was.authority if was else None,
            ),
            v.FormField(
                "received_on",
                "Date received",
                "date",
                initial=was.received_on if was else None,
            ),
            v.FormField(
                "received_how",
                "How did it come?",
                "choice",
                choices(pb.labels("received_how")),
                initial=was.received_how if was else None,
            ),
            v.FormField(
                "served_on",
                "Served on (a role, never a name)",
                "choice",
                choices(pb.served_on),
                initial=was.served_on if was else None,
            ),
            v.FormField(
                "due_on",
                "Response or return date",
                "date",
                required=False,
                hint="The date on it by which the library must respond or appear.",
                initial=was.due_on if was else None,
            ),
            v.FormField(
                "copy_with_counsel",
                "Does counsel have a complete copy, with all attachments?",
                "yes_no",
                initial=(v.YES if was.copy_with_counsel else v.NO) if was else None,
            ),
            v.FormField(
                "note",
                NOTES_LABEL,
                "text",
                required=False,
                max_length=120,
                hint="For example: agency asked to extend. Never a library user's details.",
                initial=was.note if was else None,
            ),
        ),
    )


def release_form(services: Services, case_id: str, *, today: date) -> v.Form:
    pb = services.playbook
    return v.Form(
        form_id="release",
        title="Log a release",
        submit_label="Log release",
        case_id=case_id,
        intro="What kind of record and how many items: never whose, nor which.",
        fields=(
            v.FormField(
                "record_category",
                "What kind of record was released?",
                "choice",
                tuple(v.Choice(k, label) for k, label in pb.record_categories.items()),
            ),
            v.FormField("items", "How many items?", "number"),
            v.FormField("released_on", "Date released", "date", initial=today.isoformat()),
            v.FormField(
                "matched",
                "Did it match exactly what the process designated?",
                "yes_no",
            ),
        ),
    )
