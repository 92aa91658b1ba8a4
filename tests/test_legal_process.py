"""The record of legal process: what was served, the deadline clock, what was released, and
records preserved after an informal request. On a fake clock, through the real handlers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.runtime import build_services
from bot.slack.blocks import modal_view
from bot.teams.cards import form_card
from handlers.acknowledge import acknowledge_page
from handlers.cases import report_inquiry, show_case, status
from handlers.intake import IntakeDetails, submit_intake
from handlers.pager import Pager
from handlers.presenters import process_form, release_form
from handlers.process import (
    extend_preservation,
    preserve_records,
    record_process,
    record_release,
    record_response,
    release_lapsed_preservations,
    reminder_seen,
)
from storage import cases, pages, processes
from tests.conftest import RecordingNotifier
from tests.standins.payload_checks import check_adaptive_card, check_view

PLANTED = "Jane Q. Patron 555-867-5309 card 4111 1111 1111 1111"
SUBPOENA = {
    "kind": "judicial_subpoena",
    "authority": "state_court",
    "received_on": "2026-03-02",
    "received_how": "served",
    "served_on": "front_desk",
    "due_on": "2026-03-20",
    "copy_with_counsel": "yes",
    "note": "",
}
RELEASE = {
    "record_category": "circulation",
    "items": "3",
    "released_on": "2026-03-02",
    "matched": "yes",
}


async def subpoena_case(services, staff, officer) -> str:
    case_id = (await report_inquiry(services, staff)).case_id or ""
    details = IntakeDetails("subpoena", "lawyer", False, "circulation", "", "served", "court")
    await submit_intake(services, staff, case_id, details)
    await acknowledge_page(services, officer, case_id)
    return case_id


def reminders(notifier: RecordingNotifier) -> list[tuple[str, str]]:
    return [(d.address, d.view.title) for d in notifier.sent if d.kind == "deadline"]


async def test_reminders_go_out_at_each_offset_once_across_a_restart_and_stop_on_response(
    settings, db_path, clock, staff, officer
):
    """The clock starts 2 Mar 15:00 UTC; due 20 Mar: reminders 13, 18, 19 and 20 Mar, 9 am."""
    services = build_services(settings, db_path, clock=clock)
    notifier = RecordingNotifier()
    try:
        case_id = await subpoena_case(services, staff, officer)
        recorded = await record_process(services, officer, case_id, SUBPOENA)
        assert not recorded.refused, recorded.view
        pager = Pager(services, {"console": notifier})
        await pager.run_once()
        assert reminders(notifier) == []  # 7 days before is 13 Mar
        clock.advance(timedelta(days=11))  # 13 Mar, 15:00
        await pager.run_once()
        first = reminders(notifier)
        director, counsel = settings.officers[0].key, settings.counsel.key
        assert sorted(a for a, _ in first) == sorted([director, counsel])
    finally:
        services.store.close()
    # A restart: a new process, the same database.
    services = build_services(settings, db_path, clock=clock)
    try:
        pager = Pager(services, {"console": notifier})
        await pager.run_once()
        assert len(reminders(notifier)) == 2  # nothing sent twice after the restart
        clock.advance(timedelta(days=5))  # 18 Mar: two days before
        await pager.run_once()
        assert len(reminders(notifier)) == 4
        seen = [d for d in notifier.sent if d.kind == "deadline"][-1]
        marked = await reminder_seen(services, officer, str(seen.page_id))
        assert "reminder seen by" in marked.view.title
        await record_response(services, officer, case_id)
        clock.advance(timedelta(days=3))  # the 1-day and same-day reminders are stopped
        await pager.run_once()
        assert len(reminders(notifier)) == 4
        rows = services.store.call(lambda db: pages.pages_for_case(db, case_id))
        deadline_rows = [r for r in rows if r.kind == "deadline"]
        assert {r.status for r in deadline_rows} == {"sent", "cancelled"}
        assert len({r.dedup_key for r in deadline_rows}) == len(deadline_rows)
    finally:
        services.store.close()


async def test_a_missed_deadline_is_flagged_in_status_the_card_and_health(
    services, staff, officer, clock
):
    case_id = await subpoena_case(services, staff, officer)
    await record_process(services, officer, case_id, SUBPOENA)
    listed = " ".join((await status(services, officer)).view.lines)
    assert "response due 20 Mar 2026" in listed
    clock.advance(timedelta(days=20))  # 22 Mar
    listed = " ".join((await status(services, officer)).view.lines)
    assert "RESPONSE DEADLINE PASSED 20 Mar 2026" in listed
    card = (await show_case(services, officer, case_id)).view
    due = next(f.value for f in card.facts if f.label == "Response due")
    assert "PASSED 2 day(s) ago" in due
    from handlers.health import check_health

    health = await check_health(services, channels=frozenset({"console"}))
    assert health.missed_deadlines == (case_id,)
    # Staff see no deadlines: they belong to the officers.
    assert "DEADLINE" not in " ".join((await status(services, staff)).view.lines)


async def test_a_release_without_a_recorded_process_is_refused(services, staff, officer):
    case_id = await subpoena_case(services, staff, officer)
    refused = await record_release(services, officer, case_id, RELEASE)
    assert refused.refused and "Record the legal process first" in refused.view.lines[0]
    assert services.store.call(lambda db: processes.releases_for(db, case_id)) == []
    await record_process(services, officer, case_id, SUBPOENA)
    logged = await record_release(services, officer, case_id, RELEASE)
    assert not logged.refused
    [release] = services.store.call(lambda db: processes.releases_for(db, case_id))
    assert (release.record_category, release.items) == ("circulation", 3)
    facts = [f.value for f in logged.view.facts if f.label == "Released"]
    assert facts == ["3 item(s): Borrowing history, on 2 Mar 2026"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"matched": "no"}, "matched"),
        ({"items": "three"}, "items"),
        ({"items": "0"}, "items"),
        ({"released_on": "2027-01-01"}, "released_on"),
        ({"record_category": "the patron's file"}, "record_category"),
    ],
)
async def test_a_release_must_be_what_was_designated_in_categories_and_counts(
    services, staff, officer, change, field
):
    case_id = await subpoena_case(services, staff, officer)
    await record_process(services, officer, case_id, SUBPOENA)
    refused = await record_release(services, officer, case_id, {**RELEASE, **change})
    assert refused.refused and refused.field == field


async def test_staff_cannot_record_process_or_releases(services, staff, officer):
    case_id = await subpoena_case(services, staff, officer)
    for call in (record_process, record_release):
        refused = await call(services, staff, case_id, SUBPOENA)
        assert refused.refused and refused.view.title == "Officers only"
    assert services.store.call(lambda db: processes.get_process(db, case_id)) is None


async def test_planted_identifiers_in_the_note_are_redacted(services, staff, officer):
    case_id = await subpoena_case(services, staff, officer)
    await record_process(services, officer, case_id, {**SUBPOENA, "note": PLANTED})
    process = services.store.call(lambda db: processes.get_process(db, case_id))
    assert process is not None and process.note is not None
    assert "4111" not in process.note and "867-5309" not in process.note


async def test_recording_process_puts_the_case_on_hold(services, staff, officer):
    case_id = (await report_inquiry(services, staff)).case_id or ""
    await submit_intake(services, staff, case_id, IntakeDetails("not_sure", "police", True))
    await record_process(services, officer, case_id, SUBPOENA)
    assert services.store.call(lambda db: cases.require_case(db, case_id)).on_hold


async def test_preserving_after_an_informal_request_lapses_unless_counsel_extends(
    services, staff, officer, settings, clock
):
    from handlers.actors import Actor

    counsel = Actor("console", settings.counsel.key)
    case_id = (await report_inquiry(services, staff)).case_id or ""
    await submit_intake(services, staff, case_id, IntakeDetails("nothing", "police", True))
    preserved = await preserve_records(services, officer, case_id)
    assert not preserved.refused
    assert any(f.label == "Records preserved until" for f in preserved.view.facts)
    refused = await extend_preservation(services, officer, case_id)
    assert refused.refused and refused.view.title == "Counsel only"
    clock.advance(timedelta(days=29))
    extended = await extend_preservation(services, counsel, case_id)
    assert not extended.refused
    clock.advance(timedelta(days=2))  # past the first 30 days, within the extension
    assert await release_lapsed_preservations(services) == []
    clock.advance(timedelta(days=30))
    assert await release_lapsed_preservations(services) == [case_id]
    case = services.store.call(lambda db: cases.require_case(db, case_id))
    assert not case.on_hold and case.hold_released_by == "preservation:lapsed"
    events = [e["kind"] for e in services.store.call(lambda db: cases.case_events(db, case_id))]
    assert [k for k in events if k.startswith("preserv")] == [
        "preserved",
        "preservation_extended",
        "preservation_lapsed",
    ]


async def test_preserving_is_only_for_requests_made_without_process(services, staff, officer):
    case_id = await subpoena_case(services, staff, officer)
    refused = await preserve_records(services, officer, case_id)
    assert refused.refused and "without legal process" in refused.view.lines[0]


def test_the_forms_render_in_both_channels(services):
    from datetime import date

    for form in (
        process_form(services, "PG-ABC234", None),
        release_form(services, "PG-ABC234", today=date(2026, 3, 2)),
    ):
        modal = modal_view(form)
        check_view(modal)
        card = form_card(form)
        check_adaptive_card(card)
        slack = [b["block_id"] for b in modal["blocks"] if b["type"] == "input"]
        teams = [b["id"] for b in card["body"] if b["type"].startswith("Input.")]
        assert slack == teams == [f.name for f in form.fields]
    dates = [b for b in modal_view(process_form(services, "PG-ABC234", None))["blocks"]]
    assert any(b.get("element", {}).get("type") == "datepicker" for b in dates)


async def test_every_card_an_officer_gets_back_shows_the_legal_record(services, staff, officer):
    """Marking a step answers with the same card as opening the case: process and all."""
    from handlers.steps import mark_step

    case_id = await subpoena_case(services, staff, officer)
    await record_process(services, officer, case_id, SUBPOENA)
    marked = await mark_step(services, officer, case_id, "consult_counsel", state="done")
    opened = await show_case(services, officer, case_id)
    assert any(f.label == "Response due" for f in marked.view.facts)
    assert marked.view.facts == opened.view.facts
    assert marked.view.buttons == opened.view.buttons
