"""Acknowledging a page: escalation stops, and everyone paged learns who has it."""

from __future__ import annotations

from sqlite_utils import Database

from handlers import escalation
from handlers import views as v
from handlers.access import refuse_unless_privileged
from handlers.actors import Actor, display_name
from handlers.outage import storage_guard
from handlers.page_views import acknowledged_page
from handlers.services import Services
from storage import cases, pages
from storage.timefmt import to_text


@storage_guard
async def acknowledge_page(
    services: Services, actor: Actor, case_id: str, *, on_behalf_of: str | None = None
) -> v.Reply:
    """An officer (or counsel) takes the case; acknowledging twice changes nothing.

    `on_behalf_of` is an officer key: an officer may record that a colleague, reached by
    phone, has it.
    """
    refused = refuse_unless_privileged(services, actor, "acknowledge a page", case_id)
    if refused:
        return refused
    who = actor.ref
    if on_behalf_of is not None:
        officer = services.settings.officer(on_behalf_of)
        if officer is None:
            return v.refusal("That officer is not in the configuration.", case_id=case_id)
        who = f"officer:{officer.key}"
    now = services.now()

    def acknowledge(db: Database) -> str:
        case = cases.get_case(db, case_id)
        if case is None:
            return "missing"
        if case.acknowledged_at:
            return "already"
        cases.update_case(db, case_id, acknowledged_at=to_text(now), acknowledged_by=who)
        cases.record_event(db, case_id, at=to_text(now), kind="acknowledged", by_user=actor.ref)
        pages.cancel_escalation(db, case_id)
        fresh = cases.get_case(db, case_id)
        escalation.queue_acknowledgement(db, fresh, now)
        escalation.queue_reporter_card(db, fresh, now)
        return "done"

    result = await services.store.run(acknowledge)
    if result == "missing":
        return v.refusal(f"There is no case {case_id}.", title="Case not found")
    services.on_queued()
    case = await services.store.run(lambda db: cases.get_case(db, case_id))
    view = acknowledged_page(services, case)
    if result == "already":
        who_name = display_name(services.settings, case.acknowledged_by)
        view = v.View(
            title=f"Case {case_id} was already acknowledged by {who_name}",
            lines=view.lines,
            buttons=view.buttons,
            banner=view.banner,
            case_id=case_id,
        )
    return v.Reply(view=view, case_id=case_id)
