"""Reporting over real HTTP: the slash command, the intake modal, and what each kind of
process changes (demand log, legal hold, urgent pages)."""

from __future__ import annotations

import asyncio

from bot.config import load_default_settings
from tests.slack_harness import (
    COUNSEL,
    DIRECTOR,
    INTAKE,
    PAGE_WITHIN,
    STAFF,
    PatronGuardOnSlack,
    all_text,
    buttons_in,
    serve_slack,
    with_counsel,
)


async def report_and_submit(pg: PatronGuardOnSlack, kind: str) -> str:
    """Type the command, wait for the modal, submit it with the `kind` intake answers."""
    answer, trigger = await pg.command()
    assert answer.status == 200
    opened = await pg.slack.wait_for("views.open", lambda c: c.args["trigger_id"] == trigger)
    [case_id] = pg.case_ids()
    assert opened.args["view"]["private_metadata"] == case_id
    submitted = await pg.submit(opened, INTAKE[kind])
    assert submitted.status == 200 and not submitted.body  # an empty ack closes the modal
    return case_id


def steps_on(call) -> list[str]:
    """The step button values ("case:step") on a posted card."""
    return [b["value"] for _, b in buttons_in(call.args["blocks"]) if b["action_id"] == "step_done"]


async def test_command_acks_with_guidance_and_pages_before_the_form(tmp_path):
    async with serve_slack(tmp_path) as pg:
        # Slack waits 3 s for the ack; a slower answer fails here.
        answer, trigger = await asyncio.wait_for(pg.command(), timeout=3.0)
        assert answer.status == 200
        body = answer.body
        assert body["response_type"] == "ephemeral"
        [case_id] = pg.case_ids()
        assert f"Case {case_id}: Dana Whitfield (Library Director) is being paged now" in all_text(
            body["blocks"]
        )
        assert "Do not give out any information" in all_text(body["blocks"])
        # By the time the ack came back, the page was already queued in the outbox.
        first = "SELECT recipient FROM pages WHERE kind = 'page' AND round = 0 AND position = 0"
        assert pg.rows(first) == [{"recipient": "dana-whitfield"}]
        # The page goes out without waiting for the form.
        page = await pg.wait_page(DIRECTOR, timeout=PAGE_WITHIN)
        assert case_id in page.args["text"]
        opened = await pg.slack.wait_for("views.open", lambda c: c.args["trigger_id"] == trigger)
        assert opened.args["view"]["callback_id"] == "intake"
        pg.assert_payloads_valid()


async def test_verbal_demand_is_logged_and_card_shows_step_five(tmp_path):
    async with serve_slack(tmp_path) as pg:
        case_id = await report_and_submit(pg, "verbal")
        logged = pg.rows("SELECT case_id, presented, record_category FROM demands")
        assert logged == [
            {"case_id": case_id, "presented": "nothing", "record_category": "circulation"}
        ]
        card = await pg.wait_message(STAFF, lambda c: bool(steps_on(c)))
        assert steps_on(card) == [
            f"{case_id}:refer",
            f"{case_id}:report_demand",
            f"{case_id}:other_problems",
        ]
        assert "5. Report the threat or unauthorized demand" in all_text(card.args["blocks"])
        pg.assert_payloads_valid()


async def test_subpoena_puts_the_case_on_hold_with_steps_two_to_four(tmp_path):
    async with serve_slack(tmp_path) as pg:
        case_id = await report_and_submit(pg, "subpoena")
        [case] = pg.rows("SELECT legal_hold, restricted FROM cases WHERE id = ?", (case_id,))
        assert case == {"legal_hold": 1, "restricted": 0}
        assert pg.rows("SELECT * FROM demands") == []
        card = await pg.wait_message(STAFF, lambda c: bool(steps_on(c)))
        steps = [v.split(":")[1] for v in steps_on(card)]
        assert {"consult_counsel", "cure_defects", "designated_only"} <= set(steps)
        text = all_text(card.args["blocks"])
        assert "Legal hold" in text and "Suspend routine destruction" in text
        guidance = await pg.wait_message(
            STAFF,
            lambda c: "A subpoena is not carried out on the spot" in all_text(c.args["blocks"]),
        )
        assert "Do not give out any information" in all_text(guidance.args["blocks"])
        pg.assert_payloads_valid()


async def test_search_warrant_pages_urgently_and_pages_counsel(tmp_path):
    async with serve_slack(tmp_path, settings=with_counsel(load_default_settings())) as pg:
        case_id = await report_and_submit(pg, "warrant")
        counsel_page = await pg.wait_message(COUNSEL, lambda c: case_id in c.args["text"])
        assert "You are paged as counsel" in all_text(counsel_page.args["blocks"])
        await pg.wait_rows("SELECT status FROM pages WHERE kind = 'counsel'", [{"status": "sent"}])
        card = await pg.wait_message(STAFF, lambda c: bool(steps_on(c)))
        assert "A search warrant" in all_text(card.args["blocks"])
        pg.assert_payloads_valid()


async def test_drill_is_marked_drill_everywhere(tmp_path):
    async with serve_slack(tmp_path) as pg:
        answer, _ = await pg.command("drill")
        assert "DRILL" in all_text(answer.body["blocks"])
        [row] = pg.rows("SELECT drill FROM cases")
        assert row["drill"] == 1
        page = await pg.wait_page(DIRECTOR)
        assert "DRILL" in all_text(page.args["blocks"])
        pg.assert_payloads_valid()


async def test_help_status_and_report_answer_privately_without_opening_a_case(tmp_path):
    async with serve_slack(tmp_path) as pg:
        helped, _ = await pg.command("help")
        assert "/records-request drill" in all_text(helped.body["blocks"])
        empty, _ = await pg.command("status")
        assert "No open cases" in all_text(empty.body["blocks"])
        assert pg.case_ids() == []
        report, _ = await pg.command("report", user=DIRECTOR)
        assert "Unauthorized demands logged" in all_text(report.body["blocks"])
        assert pg.slack.calls_to("views.open") == []
        assert pg.case_ids() == []
        # From staff, "report" reports a request: a clerk under stress never gets a refusal.
        reported, _ = await pg.command("report")
        assert "what to do now" in all_text(reported.body["blocks"])
        assert "Unauthorized demands logged" not in all_text(reported.body["blocks"])
        assert len(pg.case_ids()) == 1
        pg.assert_payloads_valid()


async def test_status_lists_the_reporters_open_case(tmp_path):
    async with serve_slack(tmp_path) as pg:
        await pg.command()
        [case_id] = pg.case_ids()
        listed, _ = await pg.command("status")
        assert case_id in all_text(listed.body["blocks"])
        assert ("open_case", case_id) in [
            (b["action_id"], b["value"]) for _, b in buttons_in(listed.body["blocks"])
        ]
        pg.assert_payloads_valid()


async def test_a_refused_intake_shows_the_error_on_its_field(tmp_path):
    async with serve_slack(tmp_path) as pg:
        await pg.command()
        opened = await pg.slack.wait_for("views.open")
        forged = {**INTAKE["verbal"], "requester_kind": "alien"}
        answer = await pg.submit(opened, forged)
        assert answer.body["response_action"] == "errors"
        assert list(answer.body["errors"]) == ["requester_kind"]
        assert "who is asking" in answer.body["errors"]["requester_kind"]
        assert pg.rows("SELECT intake_at FROM cases") == [{"intake_at": None}]
        pg.assert_payloads_valid()
