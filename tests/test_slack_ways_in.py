"""The other ways in: the global shortcut, the App Home tab and its button, a DM to the bot,
and an @mention in a channel, which is answered privately and never in the channel."""

from __future__ import annotations

import time

from tests.slack_harness import (
    DESK_CHANNEL,
    DIRECTOR,
    MESSAGE_METHODS,
    STAFF,
    all_text,
    buttons_in,
    dm,
    serve_slack,
)


def shortcut_payload(trigger_id: str, user: str = STAFF) -> dict:
    return {
        "type": "shortcut",
        "callback_id": "report_records_request",
        "trigger_id": trigger_id,
        "user": {"id": user, "username": f"user-{user.lower()}", "team_id": "T0001"},
        "team": {"id": "T0001", "domain": "test-library"},
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "action_ts": f"{time.time():.6f}",
    }


def home_opened(user: str) -> dict:
    return {"type": "app_home_opened", "user": user, "channel": dm(user), "tab": "home"}


async def test_shortcut_reports_opens_the_form_and_sends_guidance_by_dm(tmp_path):
    async with serve_slack(tmp_path) as pg:
        trigger = pg.slack.new_trigger_id()
        answer = await pg.interact(shortcut_payload(trigger))
        assert answer.status == 200
        opened = await pg.slack.wait_for("views.open", lambda c: c.args["trigger_id"] == trigger)
        [case_id] = pg.case_ids()
        assert opened.args["view"]["private_metadata"] == case_id
        guidance = await pg.wait_message(STAFF)
        assert "is being paged now" in all_text(guidance.args["blocks"])
        assert ("open_intake", case_id) in [
            (b["action_id"], b.get("value")) for _, b in buttons_in(guidance.args["blocks"])
        ]
        await pg.wait_page(DIRECTOR)
        pg.assert_payloads_valid()


async def test_home_tab_offers_the_report_button_to_staff(tmp_path):
    async with serve_slack(tmp_path) as pg:
        await pg.event(home_opened(STAFF), event_id="Ev0HOME1")
        published = await pg.slack.wait_for("views.publish")
        assert published.args["user_id"] == STAFF
        actions = [b["action_id"] for _, b in buttons_in(published.args["view"]["blocks"])]
        assert "report" in actions
        assert "No open cases" in all_text(published.args["view"]["blocks"])
        pg.assert_payloads_valid()


async def test_home_tab_shows_officers_the_cases_awaiting_acknowledgement(tmp_path):
    async with serve_slack(tmp_path) as pg:
        await pg.command()
        [case_id] = pg.case_ids()
        await pg.event(home_opened(DIRECTOR), event_id="Ev0HOME2")
        published = await pg.slack.wait_for("views.publish")
        text = all_text(published.args["view"]["blocks"])
        assert f"{case_id}: Not sure yet; awaiting acknowledgement" in text
        assert "/records-request report" in text  # officers see their own commands
        assert ("open_case", case_id) in [
            (b["action_id"], b.get("value"))
            for _, b in buttons_in(published.args["view"]["blocks"])
        ]
        pg.assert_payloads_valid()


async def test_home_report_button_reports_and_opens_the_form(tmp_path):
    async with serve_slack(tmp_path) as pg:
        button = {"action_id": "report", "value": "", "text": {"type": "plain_text", "text": "R"}}
        payload = pg.block_action(button, user=STAFF)  # a Home tab button: no channel
        await pg.interact(payload)
        opened = await pg.slack.wait_for(
            "views.open", lambda c: c.args["trigger_id"] == payload["trigger_id"]
        )
        assert opened.args["view"]["callback_id"] == "intake"
        await pg.wait_message(STAFF)
        await pg.wait_page(DIRECTOR)
        pg.assert_payloads_valid()


async def test_mention_in_a_channel_is_answered_only_to_the_person(tmp_path):
    async with serve_slack(tmp_path) as pg:
        mention = {
            "type": "app_mention",
            "user": STAFF,
            "channel": DESK_CHANNEL,
            "text": "<@UBOT> a deputy wants the sign-in sheets for the 3rd",
            "ts": f"{time.time():.6f}",
        }
        await pg.event(mention, event_id="Ev0MENTION")
        note = await pg.slack.wait_for("chat.postEphemeral")
        assert note.args["channel"] == DESK_CHANNEL and note.args["user"] == STAFF
        assert "is being paged now" in all_text(note.args["blocks"])
        await pg.wait_page(DIRECTOR)
        for method in ("chat.postMessage", "chat.update"):
            assert DESK_CHANNEL not in [c.args["channel"] for c in pg.slack.calls_to(method)]
        assert "sign-in sheets" not in all_text([c.args for c in pg.slack.calls])
        pg.assert_payloads_valid()


async def test_only_a_persons_own_dm_starts_a_report(tmp_path):
    async with serve_slack(tmp_path) as pg:
        base = {"type": "message", "channel_type": "im", "channel": dm(STAFF), "ts": "1.2"}
        await pg.event({**base, "bot_id": "BBOT", "user": "UBOT", "text": "x"}, event_id="Ev0B")
        await pg.event({**base, "subtype": "message_changed"}, event_id="Ev0C")
        channel_message = {**base, "channel_type": "channel", "channel": "C0X", "user": STAFF}
        await pg.event({**channel_message, "text": "hello"}, event_id="Ev0D")
        # A real DM afterwards is answered, so the ones before it had their turn.
        real = {**base, "user": STAFF, "text": "hello"}
        await pg.event(real, event_id="Ev0E")
        await pg.wait_message(STAFF)
        await pg.settled(dropped_by_bolt=1)  # its own bot's message never reaches a listener
        assert len(pg.case_ids()) == 1
        calls = [c for c in pg.slack.calls if c.method in MESSAGE_METHODS]
        assert {c.args["channel"] for c in calls} == {STAFF, DIRECTOR}
