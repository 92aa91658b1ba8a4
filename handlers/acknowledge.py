"""Acknowledging a page: escalation stops, and everyone paged learns who has it."""

from __future__ import annotations

from sqlite_utils import Database

from handlers import escalation
from handlers import views as v
from handlers.access import REPLAYED, load_visible, refuse_unless_privileged, transact
from handlers.actors import Actor, display_name, role_of
from handlers.outage import storage_guard
from handlers.page_views import acknowledged_page
from handlers.services import Services
from storage import cases
from storage.records import CaseRecord
from storage.timefmt import to_text


@storage_guard
async def acknowledge_page(
    services: Services,
    actor: Actor,
    case_id: str,
    *,
    on_behalf_of: str | None = None,
    delivery_key: str | None = None,
) -> v.Reply:
    """An officer (or counsel) takes the case; acknowledging twice changes nothing.

    `on_behalf_of` is an officer key: an officer may record that a colleague, reached by
    phone, has it.
    """
    role = role_of(services.settings, actor)
    refused = refuse_unless_privileged(role, "acknowledge a page", case_id)
    if refused:
        return refused
    who = actor.ref
    if on_behalf_of is not None:
        officer = services.settings.officer(on_behalf_of)
        if officer is None:
            return v.refusal("That officer is not in the configuration.", case_id=case_id)
        who = f"officer:{officer.key}"
    now = services.now()

    def acknowledge(db: Database) -> tuple[CaseRecord, bool] | v.Reply:
        loaded = load_visible(db, actor, role, case_id)
        if isinstance(loaded, v.Reply):
            return loaded
        case, _ = loaded
        if case.acknowledged_at:
            return case, False
        at = to_text(now)
        cases.update_case(db, case.id, acknowledged_at=at, acknowledged_by=who)
        cases.record_event(db, case.id, at=at, kind="acknowledged", by_user=actor.ref)
        escalation.stop_escalation(db, case.id)
        fresh = cases.require_case(db, case.id)
        escalation.queue_acknowledgement(db, fresh, now)
        escalation.queue_reporter_card(db, fresh, now)
        return fresh, True

    result = await transact(services, acknowledge, delivery_key=delivery_key)
    if result is REPLAYED:
        return v.REPLAYED
    if isinstance(result, v.Reply):
        return result
    assert isinstance(result, tuple)
    case, first = result
    view = acknowledged_page(services, case)
    if first:
        services.on_queued()
    else:
        who_name = display_name(services.settings, case.acknowledged_by)
        view = v.View(
            title=f"Case {case.id} was already acknowledged by {who_name}",
            lines=view.lines,
            buttons=view.buttons,
            banner=view.banner,
            restricted=view.restricted,
            case_id=case.id,
        )
    return v.Reply(view=view, case_id=case.id)
