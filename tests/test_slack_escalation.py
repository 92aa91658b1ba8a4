"""Escalation in Slack: unanswered pages move to the next officer's DM; acknowledging edits
the page and the reporter's card in place and stops the escalation."""

from __future__ import annotations

from datetime import timedelta

from tests.slack_harness import (
    DIRECTOR,
    INTAKE,
    PRIVACY,
    STAFF,
    PatronGuardOnSlack,
    all_text,
    buttons_in,
    dm,
    serve_slack,
)

ACK_TIMEOUT = timedelta(minutes=5)  # the starter config's escalation.ack_timeout


async def open_subpoena_case(pg: PatronGuardOnSlack) -> str:
    await pg.command()
    opened = await pg.slack.wait_for("views.open")
    await pg.submit(opened, INTAKE["subpoena"])
    [case_id] = pg.case_ids()
    return case_id


async def let_time_pass(pg: PatronGuardOnSlack, delta: timedelta) -> None:
    pg.clock.advance(delta)
    pg.runtime.wake_pager()


async def test_no_acknowledgement_escalates_to_the_second_officer(tmp_path):
    async with serve_slack(tmp_path) as pg:
        case_id = await open_subpoena_case(pg)
        await pg.wait_page(DIRECTOR)
        assert pg.messages_to(PRIVACY) == []
        await let_time_pass(pg, ACK_TIMEOUT)
        second = await pg.wait_page(PRIVACY)
        assert case_id in second.args["text"]
        second_row = "SELECT status FROM pages WHERE kind = 'page' AND round = 0 AND position = 1"
        await pg.wait_rows(second_row, [{"status": "sent"}])
        pg.assert_payloads_valid()


async def test_nobody_answering_tells_the_reporter_whom_to_phone(tmp_path):
    async with serve_slack(tmp_path) as pg:
        case_id = await open_subpoena_case(pg)
        for _ in range(4):  # two officers with Slack ids, twice through the list
            await let_time_pass(pg, ACK_TIMEOUT)
            await pg.settled()  # each officer's page goes out before the next timeout
        notice = await pg.wait_message(
            STAFF, lambda c: "no officer has acknowledged" in c.args["text"]
        )
        text = all_text(notice.args["blocks"])
        assert case_id in text and "+1 555 010 0101" in text
        assert len([c for c in pg.messages_to(DIRECTOR) if "ack_page" in str(c.args)]) == 2
        pg.assert_payloads_valid()


async def test_acknowledging_edits_the_page_and_the_reporters_card(tmp_path):
    async with serve_slack(tmp_path) as pg:
        case_id = await open_subpoena_case(pg)
        page = await pg.wait_page(DIRECTOR)
        card = await pg.wait_message(STAFF, lambda c: "step_done" in str(c.args["blocks"]))
        page_channel, page_ts = pg.location(page)
        card_channel, card_ts = pg.location(card)

        answer = await pg.click(page, "ack_page", user=DIRECTOR)
        assert answer.status == 200

        edited = await pg.slack.wait_for(
            "chat.update", lambda c: c.args["channel"] == page_channel and c.args["ts"] == page_ts
        )
        assert f"Case {case_id}: acknowledged by Dana Whitfield" in all_text(edited.args["blocks"])
        refreshed = await pg.slack.wait_for(
            "chat.update",
            lambda c: c.args["ts"] == card_ts and "Dana Whitfield at" in all_text(c.args["blocks"]),
        )
        assert refreshed.args["channel"] == card_channel == dm(STAFF)
        notice = await pg.wait_message(STAFF, lambda c: "has acknowledged" in c.args["text"])
        assert "Dana Whitfield acknowledged" in all_text(notice.args["blocks"])
        [case] = pg.rows("SELECT acknowledged_by FROM cases")
        assert case["acknowledged_by"] == f"slack:{DIRECTOR}"

        # Escalation stopped: time passes and the second officer is never paged.
        await let_time_pass(pg, ACK_TIMEOUT * 3)
        await pg.settled()
        assert pg.messages_to(PRIVACY) == []
        queued = pg.rows(
            "SELECT count(*) AS n FROM pages WHERE kind = 'page' AND status = 'queued'"
        )
        assert queued == [{"n": 0}]
        pg.assert_payloads_valid()


async def test_a_combined_page_acknowledges_each_case_from_its_own_button(tmp_path):
    async with serve_slack(tmp_path) as pg:
        await pg.command()
        await pg.wait_page(DIRECTOR)
        # Within a second of that page, the pager holds further pages to the same officer...
        await pg.command()
        await pg.command()
        held = (
            "SELECT count(*) AS n FROM pages WHERE kind = 'page' AND round = 0 "
            "AND position = 0 AND status = 'queued' AND next_attempt_at > due_at"
        )
        await pg.wait_rows(held, [{"n": 2}])
        # ... and a second later sends them as one page.
        await let_time_pass(pg, timedelta(seconds=1))
        combined = await pg.wait_message(
            DIRECTOR, lambda c: "records requests need you" in c.args["text"]
        )
        acks = [
            b for _, b in buttons_in(combined.args["blocks"]) if b["action_id"].startswith("ack_")
        ]
        assert [b["action_id"] for b in acks] == ["ack_page", "ack_page#1"]
        assert {b["value"] for b in acks} < set(pg.case_ids())
        later = acks[1]["value"]  # the button whose id was made unique in its block
        await pg.click(combined, "ack_page", user=DIRECTOR, value=later)
        await pg.wait_rows(
            "SELECT id FROM cases WHERE acknowledged_at IS NOT NULL", [{"id": later}]
        )
