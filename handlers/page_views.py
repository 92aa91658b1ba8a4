"""What officers, counsel and the reporter receive from the pager."""

from __future__ import annotations

from dataclasses import replace

from handlers import views as v
from handlers.actors import display_name
from handlers.presenters import (
    banner_for,
    change_lines,
    deadline_missed,
    deadline_text,
    is_urgent,
    phone_list,
)
from handlers.services import Services
from storage.processes import ProcessRecord
from storage.records import CaseRecord, IntakeChange


def _flags(case: CaseRecord) -> dict[str, object]:
    """What every view of a case carries, so notifications are decided once (views.py)."""
    return {"banner": banner_for(case), "restricted": bool(case.restricted), "case_id": case.id}


def officer_page(services: Services, case: CaseRecord, *, to_counsel: bool = False) -> v.View:
    """The page: enough to act on, nothing more. Restricted cases carry only the id."""
    buttons = (
        v.Button("Acknowledge", v.ACK_PAGE, case.id, "primary"),
        v.Button("Open case", v.OPEN_CASE, case.id),
    )
    urgent = is_urgent(services, case)
    if case.restricted:
        return v.View(
            title=f"Case {case.id} needs the responsible officer",
            lines=("Open it privately for details.",),
            buttons=buttons,
            tone=v.WARNING,
            urgent=urgent,
            **_flags(case),  # type: ignore[arg-type]
        )
    pb = services.playbook
    presentation = pb.presentation(case.presented)
    lines = [
        "A staff member has reported a request for library records.",
        f"Presented: {presentation.label}.",
    ]
    if case.waiting_now:
        lines.append("The requester is waiting now.")
    if to_counsel:
        lines.append("You are paged as counsel because of what was presented.")
    facts = []
    if case.requester_kind:
        facts.append(v.Fact("Requester", pb.requester_kinds.get(case.requester_kind, "Other")))
    if case.agency:
        facts.append(v.Fact("Agency", case.agency))
    facts.append(v.Fact("Reported", services.local_time(case.opened_at)))
    return v.View(
        title=f"Records request, case {case.id}",
        lines=tuple(lines),
        facts=tuple(facts),
        buttons=buttons if not to_counsel else (buttons[1],),
        tone=v.WARNING,
        urgent=urgent,
        **_flags(case),  # type: ignore[arg-type]
    )


def acknowledged_page(services: Services, case: CaseRecord) -> v.View:
    """The page message once someone has acknowledged it, for everyone who was paged."""
    who = display_name(services.settings, case.acknowledged_by)
    return v.View(
        title=f"Case {case.id}: acknowledged by {who}",
        lines=(f"Acknowledged at {services.local_time(case.acknowledged_at)}.",),
        buttons=(v.Button("Open case", v.OPEN_CASE, case.id),),
        tone=v.SUCCESS,
        **_flags(case),  # type: ignore[arg-type]
    )


def acknowledged_notice(services: Services, case: CaseRecord) -> v.View:
    who = display_name(services.settings, case.acknowledged_by)
    when = services.local_time(case.acknowledged_at)
    if case.restricted:
        lines: tuple[str, ...] = (
            "The responsible officer has it. Tell no one about this request except the "
            "responsible officer and the library's lawyer.",
        )
    else:
        lines = (f"{who} acknowledged at {when} and is handling it. Keep following step 1.",)
    return v.View(
        title=f"Case {case.id}: the officer has acknowledged",
        lines=lines,
        tone=v.SUCCESS,
        **_flags(case),  # type: ignore[arg-type]
    )


def exhausted_notice(services: Services, case: CaseRecord) -> v.View:
    return v.View(
        title=f"Case {case.id}: no officer has acknowledged yet",
        lines=(
            "Phone them now: " + phone_list(services) + ".",
            "Keep following step 1: disclose nothing.",
        ),
        tone=v.WARNING,
        urgent=True,
        **_flags(case),  # type: ignore[arg-type]
    )


def sent_again(view: v.View) -> v.View:
    """A message sent a second time because the first try's outcome was lost."""
    note = (
        "Sent again: PatronGuard could not tell whether this arrived. "
        "If you already have it, ignore this one."
    )
    return replace(view, lines=(*view.lines, note))


def change_notice(services: Services, case: CaseRecord, changes: list[IntakeChange]) -> v.View:
    """For the officer who has the case: the reporter sent the intake form again."""
    return v.View(
        title=f"Case {case.id}: the reporter changed its details",
        lines=change_lines(services, changes[-8:]) or ("Open the case to see what changed.",),
        buttons=(v.Button("Open case", v.OPEN_CASE, case.id),),
        tone=v.WARNING,
        **_flags(case),  # type: ignore[arg-type]
    )


LINES_PER_SECTION = 40  # a message's text block holds about 3,000 characters


def combined_page(services: Services, cases: list[CaseRecord], *, max_buttons: int = 25) -> v.View:
    """Every case due for one officer at once, as one page: each named in the text (a
    restricted one by id only), with an Acknowledge button for as many as the channel allows."""
    lines = []
    for case in cases:
        drill = " (drill)" if case.drill else ""
        if case.restricted:
            lines.append(f"Case {case.id}{drill}: open it privately for details.")
        else:
            label = services.playbook.presentation(case.presented).label
            lines.append(f"Case {case.id}{drill}: {label}.")
    sections = tuple(
        v.Section("", tuple(lines[i : i + LINES_PER_SECTION]), bulleted=False)
        for i in range(0, len(lines), LINES_PER_SECTION)
    )
    shown = cases[:max_buttons]
    more = len(cases) - len(shown)
    note = (f"Acknowledge the other {more} from the status list or each case.",) if more else ()
    return v.View(
        title=f"{len(cases)} records requests need you",
        lines=note,
        sections=sections,
        buttons=tuple(v.Button(f"Acknowledge {c.id}", v.ACK_PAGE, c.id) for c in shown),
        banner="DRILL" if all(c.drill for c in cases) else "",
        tone=v.WARNING,
        urgent=any(is_urgent(services, c) for c in cases),
        restricted=any(c.restricted for c in cases),
    )


def deadline_reminder(
    services: Services, case: CaseRecord, process: ProcessRecord | None, page_id: int
) -> v.View:
    """Before a response or return date, to the officer who has the case and counsel."""
    when = deadline_text(services, process) if process else "see the case"
    lines: tuple[str, ...] = (
        f"Response due: {when}.",
        "Record the response on the case when it is sent; the reminders then stop.",
    )
    if case.restricted:
        lines = ("A response date is near. Open the case privately for details.",)
    return v.View(
        title=f"Case {case.id}: a response date is near",
        lines=lines,
        buttons=(
            v.Button("Seen", v.REMINDER_SEEN, str(page_id), "primary"),
            v.Button("Open case", v.OPEN_CASE, case.id),
        ),
        tone=v.WARNING,
        urgent=deadline_missed(services, process) or "today" in when,
        **_flags(case),  # type: ignore[arg-type]
    )
