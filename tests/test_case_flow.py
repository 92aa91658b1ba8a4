from __future__ import annotations

from handlers.acknowledge import acknowledge_page
from handlers.actors import Actor
from handlers.cases import report_inquiry, show_case
from handlers.closing import close_case
from handlers.intake import IntakeDetails, submit_intake
from handlers.steps import mark_step
from storage import cases, demands, pages


def intake(presented: str, agency: str = "County Sheriff") -> IntakeDetails:
    return IntakeDetails(presented, "police", True, "circulation", agency)


async def open_case(services, staff, presented: str) -> str:
    reply = await report_inquiry(services, staff)
    result = await submit_intake(services, staff, reply.case_id, intake(presented))
    assert not result.refused
    return reply.case_id


async def test_verbal_demand_is_logged_and_gets_step_five(services, staff):
    case_id = await open_case(services, staff, "nothing")
    logged = services.store.call(lambda db: demands.demands_between(db, "0", "9"))
    assert [(d["case_id"], d["presented"], d["record_category"]) for d in logged] == [
        (case_id, "nothing", "circulation")
    ]
    assert "agency" not in logged[0]  # free text stays on the case, purged with it
    card = (await show_case(services, staff, case_id)).view
    assert [s.step_id for s in card.steps] == ["refer", "report_demand", "other_problems"]


async def test_correcting_intake_removes_the_demand_log_row(services, staff):
    case_id = await open_case(services, staff, "nothing")
    await submit_intake(services, staff, case_id, intake("subpoena"))
    assert services.store.call(lambda db: demands.demands_between(db, "0", "9")) == []


async def test_legal_process_puts_case_on_hold_with_reminder(services, staff, officer):
    case_id = await open_case(services, staff, "subpoena")
    case = services.store.call(lambda db: cases.get_case(db, case_id))
    assert case.on_hold
    card = (await show_case(services, officer, case_id)).view
    assert any("Suspend routine destruction" in line for line in card.lines)


async def test_gagged_order_is_restricted_and_reporter_sees_only_whom_to_tell(
    services, staff, officer, pager, notifier
):
    case_id = await open_case(services, staff, "gagged_order")
    staff_view = (await show_case(services, staff, case_id)).view
    assert "only the responsible officer and counsel" in staff_view.title
    assert not staff_view.steps
    assert staff_view.facts == ()
    officer_view = (await show_case(services, officer, case_id)).view
    assert officer_view.steps and officer_view.banner == "RESTRICTED"
    await pager.run_once()
    page = next(d for d in notifier.sent if d.kind == "page")
    assert page.restricted and page.view.facts == ()
    assert "Presented" not in " ".join(page.view.lines)


async def test_urgent_presentation_pages_counsel_at_once(services, staff, settings):
    from dataclasses import replace

    from bot.config import Contact

    counsel = Contact(name="County Attorney", phone="+1 555 010 0199", slack_id="UCOUNSEL1")
    services.settings = settings.model_copy(update={"counsel": counsel})
    services.page_channels = frozenset({"console", "slack"})
    case_id = await open_case(services, staff, "search_warrant")
    rows = services.store.call(lambda db: pages.pages_for_case(db, case_id))
    assert [r.channel for r in rows if r.kind == "counsel"] == ["slack"]
    del replace


async def test_officer_only_steps_refuse_staff_with_a_clear_message(services, staff, officer):
    case_id = await open_case(services, staff, "subpoena")
    refused = await mark_step(services, staff, case_id, "consult_counsel", state="done")
    assert refused.refused and "Only the responsible officer or counsel" in refused.view.lines[0]
    state = services.store.call(lambda db: cases.step_records(db, case_id))
    assert state == {}
    done = await mark_step(services, officer, case_id, "consult_counsel", state="done")
    assert not done.refused
    step = next(s for s in done.view.steps if s.step_id == "consult_counsel")
    assert step.state == "done" and "Dana Whitfield" in step.state_note


async def test_staff_step_is_theirs_and_other_staff_cannot_touch_the_case(services, staff):
    case_id = await open_case(services, staff, "nothing")
    ok = await mark_step(services, staff, case_id, "refer", state="done")
    assert not ok.refused
    stranger = Actor("console", "someone-else")
    refused = await mark_step(services, stranger, case_id, "report_demand", state="done")
    assert refused.refused and refused.view.title == "Case not found"
    missing = await mark_step(services, staff, "PG-NOPE99", "refer", state="done")
    assert missing.view.title == "Case not found"


async def test_unknown_intake_values_are_refused_and_nothing_changes(services, staff):
    reply = await report_inquiry(services, staff)
    bad = IntakeDetails("subpena", "police", True, "circulation", "")
    refused = await submit_intake(services, staff, reply.case_id, bad)
    assert refused.refused and "what was presented" in refused.view.lines[0]
    case = services.store.call(lambda db: cases.get_case(db, reply.case_id))
    assert case.intake_at is None


async def test_close_requires_finished_steps_then_starts_retention(
    services, staff, officer, settings, clock
):
    case_id = await open_case(services, staff, "nothing")
    early = await close_case(services, officer, case_id, "nothing_released")
    assert early.refused and "Report the threat" in early.view.lines[0]
    await mark_step(services, staff, case_id, "refer", state="done")
    await mark_step(services, staff, case_id, "report_demand", state="done")
    staff_close = await close_case(services, staff, case_id, "nothing_released")
    assert staff_close.refused
    closed = await close_case(services, officer, case_id, "nothing_released")
    assert not closed.refused
    case = services.store.call(lambda db: cases.get_case(db, case_id))
    assert case.status == "closed" and case.purge_after > case.closed_at
    logged = services.store.call(lambda db: demands.demands_between(db, "0", "9"))
    assert logged[0]["outcome"] == "nothing_released"


async def test_retried_report_with_same_key_pages_once(services, staff, pager, notifier):
    first = await report_inquiry(services, staff, delivery_key="slack:Ev1")
    again = await report_inquiry(services, staff, delivery_key="slack:Ev1")
    assert first.case_id and again.replayed and again.case_id is None
    await pager.run_once()
    assert [d.kind for d in notifier.sent] == ["page"]


async def test_acknowledging_updates_reporter_card(services, staff, officer, pager, notifier):
    case_id = await open_case(services, staff, "subpoena")
    await pager.run_once()
    card = next(d for d in notifier.sent if d.kind == "card")
    assert card.address == staff.user_id
    await acknowledge_page(services, officer, case_id)
    await pager.run_once()
    refresh = [d for d in notifier.sent if d.kind == "refresh"][-1]
    assert refresh.update_ref == {"n": notifier.sent.index(card) + 1}
    assert any(
        f.label == "Acknowledged" and "Dana Whitfield" in f.value for f in refresh.view.facts
    )


async def test_officers_can_acknowledge_from_the_open_cases_list(services, staff, officer):
    from handlers.cases import status

    case_id = (await report_inquiry(services, staff)).case_id
    listing = (await status(services, officer)).view
    assert [(b.action, b.value) for b in listing.buttons] == [
        ("ack_page", case_id),
        ("open_case", case_id),
    ]
    await acknowledge_page(services, officer, case_id)
    staff_listing = (await status(services, staff)).view
    assert [b.action for b in staff_listing.buttons] == ["open_case"]
    assert [b.action for b in (await status(services, officer)).view.buttons] == ["open_case"]
