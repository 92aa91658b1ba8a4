"""Slack being slow or down: 429 waits for Retry-After, 5xx leaves the page in the outbox for
the pager to send later, and a recipient Slack says is gone is not retried forever."""

from __future__ import annotations

from datetime import timedelta

from tests.slack_harness import DIRECTOR, PRIVACY, serve_slack
from tests.standins.slack_methods import HANDLERS, SlackError

FIRST_PAGE = (
    "SELECT status, attempts, last_error FROM pages "
    "WHERE kind = 'page' AND round = 0 AND position = 0"
)


async def test_rate_limited_page_is_retried_after_retry_after(tmp_path):
    async with serve_slack(tmp_path) as pg:
        pg.slack.fail_next("chat.postMessage", status=429, retry_after=1)
        answer, _ = await pg.command()
        assert answer.status == 200  # the ack does not wait for the page
        page = await pg.wait_page(DIRECTOR, timeout=5.0)
        [fault] = pg.slack.faults
        assert (fault.method, fault.status) == ("chat.postMessage", 429)
        assert page.at - fault.at >= 1.0  # slack_sdk waited for Retry-After
        await pg.wait_rows(FIRST_PAGE, [{"status": "sent", "attempts": 1, "last_error": None}])
        assert len(pg.messages_to(DIRECTOR)) == 1
        pg.assert_payloads_valid()


async def test_server_error_leaves_the_page_queued_until_slack_recovers(tmp_path):
    async with serve_slack(tmp_path) as pg:
        pg.slack.fail_next("chat.postMessage", status=503, count=1)
        await pg.command()
        await pg.wait_rows(
            FIRST_PAGE, [{"status": "queued", "attempts": 1, "last_error": "http_503"}]
        )
        assert pg.messages_to(DIRECTOR) == []
        # The pager's backoff (retry_backoff, 15s) passes; Slack is back.
        pg.clock.advance(timedelta(seconds=15))
        pg.runtime.wake_pager()
        await pg.wait_page(DIRECTOR)
        await pg.wait_rows(FIRST_PAGE, [{"status": "sent", "attempts": 2, "last_error": None}])
        assert len(pg.messages_to(DIRECTOR)) == 1
        pg.assert_payloads_valid()


async def test_inactive_account_fails_for_good_and_escalation_goes_on(tmp_path):
    async with serve_slack(tmp_path) as pg:

        def refuse_director(state, args):
            if args["channel"] == DIRECTOR:
                raise SlackError("account_inactive")
            return HANDLERS["chat.postMessage"](state, args)

        pg.slack.handle("chat.postMessage", refuse_director)
        pg.expected_refusals = ("account_inactive",)
        await pg.command()
        await pg.wait_rows(
            FIRST_PAGE, [{"status": "failed", "attempts": 1, "last_error": "account_inactive"}]
        )
        pg.clock.advance(timedelta(minutes=5))
        pg.runtime.wake_pager()
        await pg.wait_page(PRIVACY)
        pg.assert_payloads_valid(expected_refusals=("account_inactive",))
