"""What officers, counsel and the reporter receive from the pager."""

from __future__ import annotations

from handlers import views as v
from handlers.actors import display_name
from handlers.presenters import banner_for, phone_list
from handlers.services import Services
from storage.records import CaseRecord


def officer_page(services: Services, case: CaseRecord, *, to_counsel: bool = False) -> v.View:
    """The page: enough to act on, nothing more. Restricted cases carry only the id."""
    banner = banner_for(case)
    buttons = (
        v.Button("Acknowledge", v.ACK_PAGE, case.id, "primary"),
        v.Button("Open case", v.OPEN_CASE, case.id),
    )
    if case.restricted:
        return v.View(
            title=f"Case {case.id} needs the responsible officer",
            lines=("Open it privately for details.",),
            buttons=buttons,
            banner=banner,
            tone=v.WARNING,
            case_id=case.id,
        )
    pb = services.playbook
    presentation = pb.presentations[case.presented]
    urgent = presentation.urgent or bool(case.waiting_now)
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
        title=f"{'URGENT: ' if urgent else ''}Records request, case {case.id}",
        lines=tuple(lines),
        facts=tuple(facts),
        buttons=buttons if not to_counsel else (buttons[1],),
        banner=banner,
        tone=v.WARNING,
        case_id=case.id,
    )


def acknowledged_page(services: Services, case: CaseRecord) -> v.View:
    """The page message once someone has acknowledged it, for everyone who was paged."""
    who = display_name(services.settings, case.acknowledged_by)
    return v.View(
        title=f"Case {case.id}: acknowledged by {who}",
        lines=(f"Acknowledged at {services.local_time(case.acknowledged_at)}.",),
        buttons=(v.Button("Open case", v.OPEN_CASE, case.id),),
        banner=banner_for(case),
        tone=v.SUCCESS,
        case_id=case.id,
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
        banner=banner_for(case),
        tone=v.SUCCESS,
        case_id=case.id,
    )


def exhausted_notice(services: Services, case: CaseRecord) -> v.View:
    return v.View(
        title=f"Case {case.id}: no officer has acknowledged yet",
        lines=(
            "Phone them now: " + phone_list(services) + ".",
            "Keep following step 1: disclose nothing.",
        ),
        banner=banner_for(case),
        tone=v.WARNING,
        case_id=case.id,
    )


def combined_page(services: Services, cases: list[CaseRecord]) -> v.View:
    """Several cases for one officer at once, as one page; restricted ones by id only."""
    lines = []
    for case in cases:
        drill = " (drill)" if case.drill else ""
        if case.restricted:
            lines.append(f"Case {case.id}{drill}: open it privately for details.")
        else:
            label = services.playbook.presentations[case.presented].label
            lines.append(f"Case {case.id}{drill}: {label}.")
    urgent = any(
        services.playbook.presentations[c.presented].urgent or c.waiting_now for c in cases
    )
    return v.View(
        title=f"{'URGENT: ' if urgent else ''}{len(cases)} records requests need you",
        lines=tuple(lines),
        buttons=tuple(v.Button(f"Acknowledge {c.id}", v.ACK_PAGE, c.id) for c in cases),
        banner="DRILL" if all(c.drill for c in cases) else "",
        tone=v.WARNING,
    )
