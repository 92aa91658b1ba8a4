"""Reporting an inquiry, viewing a case, and the list of open cases."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlite_utils import Database

from handlers import escalation
from handlers import views as v
from handlers.access import REPLAYED, load_visible, transact
from handlers.actors import Actor, is_privileged, role_of
from handlers.card_reply import CardContent, card_content, card_reply
from handlers.outage import storage_guard
from handlers.presenters import day_text, guidance_view, intake_form
from handlers.services import Services
from storage import cases, processes
from storage.records import CaseRecord
from storage.timefmt import to_text

STATUS_SHOWN = 20
STATUS_BUTTONS = 10  # the first few, one tap away on a phone


@storage_guard
async def report_inquiry(
    services: Services,
    actor: Actor,
    *,
    drill: bool = False,
    delivery_key: str | None = None,
    reporter_ref: dict[str, Any] | None = None,
) -> v.Reply:
    """Open a case and queue its whole escalation in one transaction; return step 1's
    guidance and the intake form. A retried delivery of the same report changes nothing."""
    now = services.now()
    chain = escalation.escalation_chain(services.settings, services.page_channels)

    def open_case(db: Database) -> CaseRecord:
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
        return cases.require_case(db, case_id)

    case = await transact(services, open_case, delivery_key=delivery_key)
    if case is REPLAYED:
        return v.REPLAYED
    assert isinstance(case, CaseRecord)
    services.on_queued()
    return v.Reply(
        view=guidance_view(services, case),
        form=intake_form(services, case.id),
        case_id=case.id,
    )


@storage_guard
async def show_case(services: Services, actor: Actor, case_id: str) -> v.Reply:
    role = role_of(services.settings, actor)

    def load(db: Database) -> CardContent | v.Reply:
        loaded = load_visible(db, actor, role, case_id)
        return loaded if isinstance(loaded, v.Reply) else card_content(db, *loaded)

    found = await services.store.run(load)
    return found if isinstance(found, v.Reply) else card_reply(services, role, found)


@storage_guard
async def status(services: Services, actor: Actor) -> v.Reply:
    """Open cases: all of them for officers, one's own for staff."""
    role = role_of(services.settings, actor)
    privileged = is_privileged(role)
    found, deadlines = await services.store.run(
        lambda db: _open_with_deadlines(db, actor, privileged)
    )
    if not found:
        return v.Reply(view=v.View(title="No open cases", lines=("Nothing is waiting.",)))
    lines: list[str] = []
    buttons: list[v.Button] = []
    for case in found[:STATUS_SHOWN]:
        label = services.playbook.presentation(case.presented).label
        ack = "acknowledged" if case.acknowledged_at else "awaiting acknowledgement"
        drill = " (drill)" if case.drill else ""
        if case.restricted and not privileged:
            who = "has it" if case.acknowledged_at else "is being paged"
            lines.append(f"{case.id}{drill}: restricted; the responsible officer {who}")
        else:
            due = _deadline_word(services, deadlines.get(case.id)) if privileged else ""
            lines.append(
                f"{case.id}{drill}: {label}; {ack}; reported "
                f"{services.local_time(case.opened_at)}{due}"
            )
        if len(buttons) < STATUS_BUTTONS:
            if privileged and not case.acknowledged_at:
                buttons.append(v.Button(f"Acknowledge {case.id}", v.ACK_PAGE, case.id, "primary"))
            buttons.append(v.Button(f"Open {case.id}", v.OPEN_CASE, case.id))
    return v.Reply(
        view=v.View(title=f"Open cases ({len(found)})", lines=tuple(lines), buttons=tuple(buttons))
    )


def _open_with_deadlines(
    db: Database, actor: Actor, privileged: bool
) -> tuple[list[CaseRecord], dict[str, Any]]:
    found = (
        cases.open_cases(db)
        if privileged
        else cases.cases_reported_by(db, actor.channel, actor.user_id)
    )
    shown = [c.id for c in found[:STATUS_SHOWN]]
    return found, processes.deadlines_for(db, shown) if privileged else {}


def _deadline_word(services: Services, deadline: Any) -> str:
    """ "; response due 12 Jan 2027" or, when it passed with no response, a flag."""
    if not deadline or not deadline["due_on"] or deadline["responded_at"]:
        return ""
    due = date.fromisoformat(deadline["due_on"])
    today = services.now().astimezone(services.settings.library.zone).date()
    if due < today:
        return f"; RESPONSE DEADLINE PASSED {day_text(due)}, none recorded"
    return f"; response due {day_text(due)}"
