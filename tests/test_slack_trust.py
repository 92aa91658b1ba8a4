"""Trust and retries: only requests signed by Slack within five minutes are served, and a
retried delivery never opens a second case or pages twice."""

from __future__ import annotations

import time

from tests.slack_harness import (
    DIRECTOR,
    SIGNING_SECRET,
    STAFF,
    all_text,
    dm,
    serve_slack,
)
from tests.standins.slack_signing import interaction_body, sign_request, slash_command_body

FORM = "application/x-www-form-urlencoded"


def dm_message(user: str = STAFF) -> dict:
    """A DM to the bot; its text must never be echoed or stored."""
    return {
        "type": "message",
        "channel_type": "im",
        "channel": dm(user),
        "user": user,
        "text": "Officer Example at the desk asking about patron Jane Roe",
        "ts": f"{time.time():.6f}",
        "event_ts": f"{time.time():.6f}",
    }


async def test_forged_signature_is_refused_and_nothing_is_stored(tmp_path):
    async with serve_slack(tmp_path) as pg:
        body = slash_command_body(trigger_id=pg.slack.new_trigger_id())
        answer = await pg.post(body, FORM, secret="f" * 32)
        assert answer.status == 401
        assert pg.rows("SELECT id FROM cases") == []
        assert pg.rows("SELECT key FROM seen_events") == []
        assert [c.method for c in pg.slack.calls] == ["auth.test"]  # the token check at start


async def test_stale_timestamp_is_refused_and_nothing_is_stored(tmp_path):
    async with serve_slack(tmp_path) as pg:
        body = slash_command_body(trigger_id=pg.slack.new_trigger_id())
        stale = int(time.time()) - 6 * 60  # Slack's window is five minutes
        answer = await pg.post(body, FORM, timestamp=stale)
        assert answer.status == 401
        assert pg.rows("SELECT id FROM cases") == []


async def test_unsigned_request_is_refused(tmp_path):
    async with serve_slack(tmp_path) as pg:
        body = slash_command_body(trigger_id=pg.slack.new_trigger_id())
        async with pg.session.post(pg.url, data=body, headers={"Content-Type": FORM}) as answer:
            assert answer.status == 401
        assert pg.rows("SELECT id FROM cases") == []


async def test_tampered_body_is_refused(tmp_path):
    async with serve_slack(tmp_path) as pg:
        body = slash_command_body(user_id=STAFF, trigger_id=pg.slack.new_trigger_id())
        headers = {"Content-Type": FORM, **sign_request(body, SIGNING_SECRET)}
        tampered = body.replace(f"user_id={STAFF}".encode(), f"user_id={DIRECTOR}".encode())
        assert tampered != body
        async with pg.session.post(pg.url, data=tampered, headers=headers) as answer:
            assert answer.status == 401
        assert pg.rows("SELECT id FROM cases") == []


async def test_retried_event_delivery_pages_once(tmp_path):
    async with serve_slack(tmp_path) as pg:
        first = await pg.event(dm_message(), event_id="Ev0RETRY1")
        assert first.status == 200
        retried = await pg.event(dm_message(), event_id="Ev0RETRY1", retry_num=1)
        assert retried.status == 200
        await pg.wait_page(DIRECTOR)
        await pg.wait_message(STAFF)
        await pg.settled()  # both deliveries handled, nothing left due
        assert len(pg.case_ids()) == 1
        assert len([c for c in pg.messages_to(DIRECTOR) if "ack_page" in str(c.args)]) == 1
        assert len(pg.messages_to(STAFF)) == 1
        # The chain, frozen once: the director's page now, the rest as one row for later.
        assert pg.rows("SELECT count(*) AS n FROM pages WHERE kind = 'page'") == [{"n": 1}]
        assert pg.rows("SELECT count(*) AS n FROM escalations") == [{"n": 1}]
        pg.assert_payloads_valid()


async def test_a_new_event_id_is_a_new_report(tmp_path):
    async with serve_slack(tmp_path) as pg:
        await pg.event(dm_message(), event_id="Ev0ONE")
        await pg.event(dm_message(), event_id="Ev0TWO")
        await pg.wait_rows("SELECT count(*) AS n FROM cases", [{"n": 2}])


async def test_dm_text_is_never_echoed_or_stored(tmp_path):
    async with serve_slack(tmp_path) as pg:
        await pg.event(dm_message(), event_id="Ev0PRIVATE")
        reply = await pg.wait_message(STAFF)
        await pg.wait_page(DIRECTOR)
        assert "Jane Roe" not in all_text([c.args for c in pg.slack.calls])
        assert "Jane Roe" not in pg.db_path.read_bytes().decode("latin-1")
        assert "is being paged now" in all_text(reply.args["blocks"])


async def test_repeated_report_button_press_opens_one_case(tmp_path):
    async with serve_slack(tmp_path) as pg:
        button = {"action_id": "report", "value": "", "text": {"type": "plain_text", "text": "R"}}
        payload = pg.block_action(button, user=STAFF)
        await pg.interact(payload)
        payload["trigger_id"] = pg.slack.new_trigger_id()  # a retry carries the same action_ts
        await pg.interact(payload)
        await pg.wait_page(DIRECTOR)
        await pg.settled()
        assert len(pg.case_ids()) == 1
        pg.assert_payloads_valid()


async def test_an_oversized_body_is_refused_before_anything_runs(tmp_path):
    async with serve_slack(tmp_path) as pg:
        body = slash_command_body(user_id=STAFF, text="x" * 300_000)
        answer = await pg.post(body, FORM)
        assert answer.status == 413
        assert pg.rows("SELECT id FROM cases") == []


async def test_signed_garbage_is_a_400_and_unsigned_garbage_a_401(tmp_path):
    async with serve_slack(tmp_path) as pg:
        assert (await pg.post(b"{not json", "application/json")).status == 400
        assert (await pg.post(b"\x80\x81", "application/json")).status == 401
        assert (await pg.post(b"\x80\x81", "application/json", secret="f" * 32)).status == 401
        # A payload Slack never sends, which trips Bolt's own parsing: still not a 500.
        odd = interaction_body({"type": "view_submission", "view": {"callback_id": "intake"}})
        assert (await pg.post(odd, FORM)).status == 400
        assert pg.rows("SELECT id FROM cases") == []


async def test_slacks_certificate_probe_is_answered_without_doing_anything(tmp_path):
    async with serve_slack(tmp_path) as pg:
        probe = b"ssl_check=1&token=legacy-verification-token"
        async with pg.session.post(pg.url, data=probe, headers={"Content-Type": FORM}) as answer:
            assert answer.status == 200
        assert [c.method for c in pg.slack.calls] == ["auth.test"]  # the token check at start
        assert pg.rows("SELECT id FROM cases") == []
