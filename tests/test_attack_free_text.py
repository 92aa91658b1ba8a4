"""Free text stays on its case: redacted, never in the demand log, purged with the case. The
same closing form in both channels; intake changed after an acknowledgement is never silent."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.slack.blocks import modal_view
from bot.teams.cards import form_card
from handlers.acknowledge import acknowledge_page
from handlers.cases import report_inquiry, show_case
from handlers.closing import close_case
from handlers.intake import IntakeDetails, submit_intake
from handlers.pager import Pager
from handlers.presenters import close_form
from handlers.steps import mark_step
from storage import cases, demands
from tests.conftest import RecordingNotifier
from tests.teams_harness import STAFF as TEAMS_STAFF
from tests.teams_harness import TeamsHarness, teams_settings

PLANTED = "Jane Q. Patron, card 4111 1111 1111 1111, borrowed The Anarchist Cookbook"


async def test_free_text_never_reaches_the_demand_log(services, staff, officer):
    case_id = (await report_inquiry(services, staff)).case_id or ""
    details = IntakeDetails("nothing", "police", True, "circulation", PLANTED[:79])
    await submit_intake(services, staff, case_id, details)
    for step in ("refer", "report_demand"):
        await mark_step(services, staff, case_id, step, state="done")
    closed = await close_case(services, officer, case_id, "nothing_released", summary=PLANTED)
    assert not closed.refused
    [logged] = services.store.call(lambda db: demands.demands_between(db, "0", "9"))
    assert set(logged) == {
        "id",
        "case_id",
        "logged_at",
        "month",
        "drill",
        "requester_kind",
        "presented",
        "record_category",
        "outcome",
    }
    case = services.store.call(lambda db: cases.require_case(db, case_id))
    assert "4111" not in (case.summary or "") and "4111" not in (case.agency or "")


def test_both_channels_offer_the_same_closing_form(services):
    form = close_form(services, "PG-ABC234")
    slack = [b["block_id"] for b in modal_view(form)["blocks"] if b["type"] == "input"]
    teams = [b["id"] for b in form_card(form)["body"] if b["type"].startswith("Input.")]
    assert slack == teams == ["outcome", "summary"]


async def test_teams_close_note_is_redacted_and_kept_on_the_case_only(
    settings: Settings, tmp_path: Path
) -> None:
    from tests.teams_harness import DANA

    async with TeamsHarness.running(teams_settings(settings), tmp_path / "p.db") as teams:
        for user in (DANA, TEAMS_STAFF):
            await teams.install(user)
        await teams.say(TEAMS_STAFF, "someone wants records")
        [case_id] = teams.read(lambda db: [r["id"] for r in db["cases"].rows])
        data = {"form": "close", "value": case_id, "outcome": "withdrawn", "summary": PLANTED}
        await teams.post(teams.activity(DANA, value=data))  # steps open: refused, nothing kept
        case = teams.read(lambda db: cases.get_case(db, case_id))
        assert case.status == "open" and case.summary is None


async def test_intake_changed_after_an_acknowledgement_is_recorded_and_sent_to_the_officer(
    services, staff, officer, settings
):
    notifier = RecordingNotifier()
    pager = Pager(services, {"console": notifier})
    case_id = (await report_inquiry(services, staff)).case_id or ""
    first = IntakeDetails("nothing", "police", True, "circulation", "", "in_person", "none")
    await submit_intake(services, staff, case_id, first)
    await acknowledge_page(services, officer, case_id)
    await pager.run_once()
    changed = IntakeDetails("subpoena", "lawyer", False, "circulation", "", "served", "court")
    reply = await submit_intake(services, staff, case_id, changed)
    assert not reply.refused
    await pager.run_once()
    [notice] = [d for d in notifier.sent if d.kind == "changed"]
    assert notice.address == officer.user_id
    text = " ".join(notice.view.lines)
    assert "What was presented: Nothing, or a verbal or informal request → A subpoena" in text
    assert "How it came: In person, at the library → Served on the library" in text
    card = (await show_case(services, officer, case_id)).view
    changes = [s for s in card.sections if s.heading.startswith("Changed by the reporter")]
    assert changes and "A subpoena" in " ".join(changes[0].lines)
    events = services.store.call(lambda db: cases.case_events(db, case_id))
    assert any(e["kind"] == "intake_changed" and e["code"].startswith("presented:") for e in events)
    # The case is still on hold once legal process is named, and nothing about it was lost.
    assert services.store.call(lambda db: cases.require_case(db, case_id)).legal_hold == 1


async def test_a_changed_agency_is_recorded_by_name_only(services, staff, officer):
    case_id = (await report_inquiry(services, staff)).case_id or ""
    await submit_intake(services, staff, case_id, IntakeDetails("nothing", "police", True))
    await acknowledge_page(services, officer, case_id)
    again = IntakeDetails("nothing", "police", True, "unknown", PLANTED[:60])
    await submit_intake(services, staff, case_id, again)
    events = services.store.call(lambda db: cases.case_events(db, case_id))
    codes = [e["code"] for e in events if e["kind"] == "intake_changed"]
    assert "agency" in codes and not any("Jane" in (c or "") for c in codes)
