"""Buttons on cards and pages: steps update the card in place, officer-only steps refuse staff
privately, unknown buttons get a kind word, and officers close cases through a modal."""

from __future__ import annotations

from tests.slack_harness import (
    DIRECTOR,
    INTAKE,
    STAFF,
    PatronGuardOnSlack,
    all_text,
    buttons_in,
    dm,
    serve_slack,
)
from tests.standins.slack_api import Call
from tests.standins.slack_methods import SlackError


async def reported(pg: PatronGuardOnSlack, kind: str) -> tuple[str, Call]:
    """A reported case after intake, and the card the reporter got in their DM."""
    await pg.command()
    opened = await pg.slack.wait_for("views.open")
    await pg.submit(opened, INTAKE[kind])
    [case_id] = pg.case_ids()
    card = await pg.wait_message(STAFF, lambda c: "step_done" in str(c.args["blocks"]))
    return case_id, card


def step_states(pg: PatronGuardOnSlack, case_id: str) -> dict[str, str]:
    rows = pg.rows("SELECT step_id, state FROM case_steps WHERE case_id = ?", (case_id,))
    return {r["step_id"]: r["state"] for r in rows}


async def test_staff_marking_their_step_done_updates_the_card_in_place(tmp_path):
    async with serve_slack(tmp_path) as pg:
        case_id, card = await reported(pg, "verbal")
        channel, ts = pg.location(card)
        await pg.click(card, "step_done", user=STAFF, value=f"{case_id}:refer")
        updated = await pg.slack.wait_for(
            "chat.update", lambda c: c.args["ts"] == ts and c.args["channel"] == channel
        )
        assert f"{case_id}:refer" not in [b["value"] for _, b in buttons_in(updated.args["blocks"])]
        assert ":white_check_mark: *1." in all_text(updated.args["blocks"])
        assert step_states(pg, case_id) == {"refer": "done"}
        pg.assert_payloads_valid()


async def test_staff_are_refused_officer_steps_privately_and_nothing_changes(tmp_path):
    async with serve_slack(tmp_path) as pg:
        case_id, card = await reported(pg, "subpoena")
        await pg.click(card, "step_done", user=STAFF, value=f"{case_id}:consult_counsel")
        note = await pg.slack.wait_for("chat.postEphemeral")
        assert note.args["user"] == STAFF and note.args["channel"] == dm(STAFF)
        assert "Only the responsible officer or counsel can mark step 2" in all_text(
            note.args["blocks"]
        )
        assert step_states(pg, case_id) == {}
        _, ts = pg.location(card)
        assert [c for c in pg.slack.calls_to("chat.update") if c.args["ts"] == ts] == []
        pg.assert_payloads_valid()


async def test_officer_marks_an_officer_step_not_applicable(tmp_path):
    async with serve_slack(tmp_path) as pg:
        case_id, _ = await reported(pg, "subpoena")
        page = await pg.wait_page(DIRECTOR)
        await pg.click(page, "open_case", user=DIRECTOR)
        officer_card = await pg.wait_message(DIRECTOR, lambda c: "step_na" in str(c.args["blocks"]))
        await pg.click(officer_card, "step_na", user=DIRECTOR, value=f"{case_id}:cure_defects")
        _, ts = pg.location(officer_card)
        updated = await pg.slack.wait_for("chat.update", lambda c: c.args["ts"] == ts)
        assert "Not applicable by Dana Whitfield" in all_text(updated.args["blocks"])
        assert step_states(pg, case_id) == {"cure_defects": "not_applicable"}
        pg.assert_payloads_valid()


async def test_unknown_button_gets_a_polite_private_answer(tmp_path):
    async with serve_slack(tmp_path) as pg:
        _, card = await reported(pg, "verbal")
        channel, ts = pg.location(card)
        button = {"action_id": "launch_rockets", "value": "now"}
        answer = await pg.interact(
            pg.block_action(button, user=STAFF, container=pg.container(channel, ts))
        )
        assert answer.status == 200
        note = await pg.slack.wait_for("chat.postEphemeral")
        assert "not one PatronGuard knows" in all_text(note.args["blocks"])
        assert note.args["user"] == STAFF
        pg.assert_payloads_valid()


async def test_a_stranger_cannot_open_someone_elses_case(tmp_path):
    async with serve_slack(tmp_path) as pg:
        case_id, card = await reported(pg, "verbal")
        await pg.click(card, "step_done", user="U0STRANGER", value=f"{case_id}:refer")
        note = await pg.slack.wait_for("chat.postEphemeral")
        assert note.args["user"] == "U0STRANGER"
        assert "There is no open case" in all_text(note.args["blocks"])
        assert step_states(pg, case_id) == {}


async def test_officer_closes_a_case_through_the_close_modal(tmp_path):
    async with serve_slack(tmp_path) as pg:
        case_id, card = await reported(pg, "verbal")
        page = await pg.wait_page(DIRECTOR)
        await pg.click(page, "open_case", user=DIRECTOR)
        officer_card = await pg.wait_message(
            DIRECTOR, lambda c: "open_close" in str(c.args["blocks"])
        )
        await pg.click(officer_card, "open_close", user=DIRECTOR)
        close_modal = await pg.slack.wait_for(
            "views.open", lambda c: c.args["view"]["callback_id"] == "close"
        )
        # Steps are still open: the refusal shows on the outcome field.
        early = await pg.submit(close_modal, {"outcome": "nothing_released"}, user=DIRECTOR)
        assert early.body["response_action"] == "errors"
        assert "Mark these steps done" in early.body["errors"]["outcome"]
        for step in ("refer", "report_demand"):
            await pg.click(card, "step_done", user=STAFF, value=f"{case_id}:{step}")
        await pg.wait_rows("SELECT count(*) AS n FROM case_steps WHERE state = 'done'", [{"n": 2}])
        closed = await pg.submit(close_modal, {"outcome": "nothing_released"}, user=DIRECTOR)
        assert closed.status == 200 and not closed.body
        [case] = pg.rows("SELECT status, outcome FROM cases")
        assert case == {"status": "closed", "outcome": "nothing_released"}
        [logged] = pg.rows("SELECT outcome FROM demands")
        assert logged["outcome"] == "nothing_released"
        pg.assert_payloads_valid()


async def test_staff_cannot_open_the_close_form(tmp_path):
    async with serve_slack(tmp_path) as pg:
        case_id, card = await reported(pg, "verbal")
        button = {"action_id": "open_close", "value": case_id}
        channel, ts = pg.location(card)
        await pg.interact(pg.block_action(button, user=STAFF, container=pg.container(channel, ts)))
        note = await pg.slack.wait_for("chat.postEphemeral")
        assert "Only the responsible officer or counsel can close a case" in all_text(
            note.args["blocks"]
        )
        assert [
            c for c in pg.slack.calls_to("views.open") if c.args["view"]["callback_id"] == "close"
        ] == []


async def test_add_details_button_on_the_ephemeral_answer_opens_the_form(tmp_path):
    async with serve_slack(tmp_path) as pg:
        answer, _ = await pg.command()
        [case_id] = pg.case_ids()
        [(_, button)] = [
            (b, e) for b, e in buttons_in(answer.body["blocks"]) if e["action_id"] == "open_intake"
        ]
        assert button["value"] == case_id
        ephemeral = pg.container("C0DESK", "1700000000.000001", ephemeral=True)
        payload = pg.block_action(button, user=STAFF, container=ephemeral)
        await pg.interact(payload)
        reopened = await pg.slack.wait_for(
            "views.open", lambda c: c.args["trigger_id"] == payload["trigger_id"]
        )
        assert reopened.args["view"]["private_metadata"] == case_id
        pg.assert_payloads_valid()


async def test_an_answer_on_an_ephemeral_message_replaces_it_through_response_url(tmp_path):
    async with serve_slack(tmp_path) as pg:
        await pg.command()
        [case_id] = pg.case_ids()
        button = {"action_id": "ack_page", "value": case_id}
        ephemeral = pg.container("C0DESK", "1700000000.000001", ephemeral=True)
        await pg.interact(pg.block_action(button, user=DIRECTOR, container=ephemeral))
        replaced = await pg.slack.wait_for_response()
        assert replaced["replace_original"] is True
        assert f"Case {case_id}: acknowledged by Dana Whitfield" in all_text(replaced["blocks"])
        assert [c for c in pg.slack.calls_to("chat.update") if c.args["channel"] == "C0DESK"] == []


async def test_officer_releases_a_legal_hold_from_the_case_card(tmp_path):
    async with serve_slack(tmp_path) as pg:
        case_id, _ = await reported(pg, "subpoena")
        page = await pg.wait_page(DIRECTOR)
        await pg.click(page, "open_case", user=DIRECTOR)
        officer_card = await pg.wait_message(
            DIRECTOR, lambda c: "release_hold" in str(c.args["blocks"])
        )
        await pg.click(officer_card, "release_hold", user=DIRECTOR, value=case_id)
        _, ts = pg.location(officer_card)
        updated = await pg.slack.wait_for("chat.update", lambda c: c.args["ts"] == ts)
        assert "release_hold" not in str(updated.args["blocks"])
        [case] = pg.rows("SELECT hold_released_by FROM cases")
        assert case["hold_released_by"] == f"slack:{DIRECTOR}"
        pg.assert_payloads_valid()


async def test_an_unknown_review_is_refused_privately(tmp_path):
    async with serve_slack(tmp_path) as pg:
        button = {"action_id": "review_done", "value": "999"}
        where = pg.container(dm(DIRECTOR), "1700000000.000001")
        await pg.interact(pg.block_action(button, user=DIRECTOR, container=where))
        note = await pg.slack.wait_for("chat.postEphemeral")
        assert "That review does not exist" in all_text(note.args["blocks"])


async def test_an_expired_trigger_still_leaves_the_form_one_click_away(tmp_path):
    async with serve_slack(tmp_path) as pg:
        pg.slack.handle("views.open", _expired)
        pg.expected_refusals = ("expired_trigger_id",)
        answer, _ = await pg.command()
        assert answer.status == 200
        assert "open_intake" in [e["action_id"] for _, e in buttons_in(answer.body["blocks"])]
        await pg.wait_page(DIRECTOR)
        pg.assert_payloads_valid(expected_refusals=("expired_trigger_id",))


def _expired(state, args):
    raise SlackError("expired_trigger_id")
