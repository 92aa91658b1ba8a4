"""A gagged order: nothing about the case goes anywhere but DMs to officers and counsel, and
the reporter sees only whom they may tell and whether an officer has it."""

from __future__ import annotations

from datetime import timedelta

from bot.config import load_default_settings
from tests.slack_harness import (
    COUNSEL,
    DESK_CHANNEL,
    DIRECTOR,
    INTAKE,
    MESSAGE_METHODS,
    PRIVACY,
    STAFF,
    all_text,
    buttons_in,
    dm,
    serve_slack,
    with_counsel,
)

GAG_WORDS = ("gag", "nondisclosure", "FISA", "NSL", "Federal agent", "Borrowing history")


async def test_gagged_order_stays_in_officer_dms(tmp_path):
    settings = with_counsel(load_default_settings())
    async with serve_slack(tmp_path, settings=settings) as pg:
        await pg.command(channel=DESK_CHANNEL)
        [case_id] = pg.case_ids()
        first_page = await pg.wait_page(DIRECTOR)
        opened = await pg.slack.wait_for("views.open")
        await pg.submit(opened, INTAKE["gagged"])
        [case] = pg.rows("SELECT restricted, legal_hold FROM cases")
        assert case == {"restricted": 1, "legal_hold": 1}

        # Counsel is paged at once; the page carries only the case id.
        counsel_page = await pg.wait_page(COUNSEL)
        assert "RESTRICTED" in all_text(counsel_page.args["blocks"])
        assert "Presented" not in all_text(counsel_page.args["blocks"])

        # Nobody acknowledges: the next officer's page is restricted too.
        pg.clock.advance(timedelta(minutes=5))
        pg.runtime.wake_pager()
        second = await pg.wait_page(PRIVACY)
        # What a locked phone shows: that it is urgent and restricted, and its id; no more.
        assert second.args["text"] == f"URGENT: [RESTRICTED] Case {case_id}"
        assert not any(word in all_text(second.args["blocks"]) for word in GAG_WORDS)

        # The director acknowledges from the first page, and opens the case privately.
        await pg.click(first_page, "ack_page", user=DIRECTOR)
        await pg.wait_message(DIRECTOR, method="chat.update")
        await pg.click(first_page, "open_case", user=DIRECTOR)
        officer_card = await pg.wait_message(
            DIRECTOR, lambda c: "step_done" in str(c.args["blocks"])
        )
        assert "RESTRICTED" in all_text(officer_card.args["blocks"])
        notice = await pg.wait_message(
            STAFF, lambda c: "The responsible officer has it" in all_text(c.args["blocks"])
        )
        assert notice.args["text"] == f"[RESTRICTED] Case {case_id}"

        allowed = {dm(DIRECTOR), dm(PRIVACY), dm(COUNSEL), dm(STAFF)}
        for method in MESSAGE_METHODS:
            for call in pg.slack.calls_to(method):
                channel = call.args["channel"]
                assert (dm(channel) if channel[0] == "U" else channel) in allowed, (method, channel)

        # Everything the reporter received after the intake says whom they may tell, no more.
        to_reporter = pg.messages_to(STAFF)
        assert to_reporter
        for call in to_reporter:
            text = all_text(call.args["blocks"])
            assert "Tell no one about this request except the responsible officer" in text, text
            assert not buttons_in(call.args["blocks"])
            assert not any(word in text for word in GAG_WORDS), text
            assert case_id in text
        pg.assert_payloads_valid()


async def test_staff_status_shows_a_restricted_case_only_as_restricted(tmp_path):
    async with serve_slack(tmp_path) as pg:
        await pg.command()
        opened = await pg.slack.wait_for("views.open")
        await pg.submit(opened, INTAKE["gagged"])
        listed, _ = await pg.command("status")
        text = all_text(listed.body["blocks"])
        assert "restricted; the responsible officer is being paged" in text
        assert not any(word in text for word in GAG_WORDS)
        pg.assert_payloads_valid()
