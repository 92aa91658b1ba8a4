"""Socket Mode end to end: the server connects out to the stand-in's websocket, acks a slash
command envelope with the guidance, opens the form and pages the officer."""

from __future__ import annotations

from tests.slack_harness import DIRECTOR, INTAKE, PAGE_WITHIN, STAFF, all_text, serve_slack
from tests.standins.slack_signing import slash_command_fields


async def test_socket_mode_command_is_acked_with_guidance_and_pages(tmp_path):
    env = {"SLACK_SIGNING_SECRET": ""}  # Socket Mode needs no signing secret
    async with serve_slack(tmp_path, socket_mode=True, env=env) as pg:
        await pg.slack.socket.wait_connected()
        assert pg.slack.calls_to("apps.connections.open")
        trigger = pg.slack.new_trigger_id()
        fields = slash_command_fields(
            user_id=STAFF, trigger_id=trigger, response_url=pg.slack.new_response_url()
        )
        envelope_id = await pg.slack.socket_send("slash_commands", fields, True)
        ack = await pg.slack.socket_wait_ack(envelope_id, timeout=3.0)
        [case_id] = pg.case_ids()
        payload = ack["payload"]
        assert payload["response_type"] == "ephemeral"
        assert f"Case {case_id}: Dana Whitfield (Library Director) is being paged now" in all_text(
            payload["blocks"]
        )
        pg.acks.append(payload)
        await pg.wait_page(DIRECTOR, timeout=PAGE_WITHIN)
        opened = await pg.slack.wait_for("views.open", lambda c: c.args["trigger_id"] == trigger)

        # The form's submission comes over the socket too, and the case card follows by DM.
        submission = {
            "type": "view_submission",
            "user": {"id": STAFF},
            "team": {"id": "T0001"},
            "api_app_id": "A0001",
            "view": {**opened.args["view"], "id": "V0SOCKET", "state": _state(opened)},
        }
        envelope_id = await pg.slack.socket_send("interactive", submission, True)
        await pg.slack.socket_wait_ack(envelope_id)
        card = await pg.wait_message(STAFF, lambda c: "step_done" in str(c.args["blocks"]))
        assert "A subpoena" in all_text(card.args["blocks"])
        pg.assert_payloads_valid()


async def test_without_a_signing_secret_http_is_not_served(tmp_path):
    env = {"SLACK_SIGNING_SECRET": ""}
    async with serve_slack(tmp_path, socket_mode=True, env=env) as pg:
        answer = await pg.post(b"command=%2Frecords-request", "application/x-www-form-urlencoded")
        assert answer.status == 404
        assert pg.case_ids() == []


def _state(opened) -> dict:
    values = {}
    for block in opened.args["view"]["blocks"]:
        if block["type"] != "input":
            continue
        answer = INTAKE["subpoena"][block["block_id"]]
        element = block["element"]
        if element["type"] == "plain_text_input":
            values[block["block_id"]] = {element["action_id"]: {"value": answer}}
        else:
            option = {"value": answer, "text": {"type": "plain_text", "text": answer}}
            values[block["block_id"]] = {
                element["action_id"]: {"type": element["type"], "selected_option": option}
            }
    return {"values": values}
