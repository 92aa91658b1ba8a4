"""The Slack notifier on its own: DMs by user id, edits in place, and how failures are told
apart (retry later, or give up on a recipient Slack says is gone)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.notifier import SlackNotifier
from handlers import views as v
from handlers.pager import Delivery, DeliveryFailed
from tests.standins.slack_api import SlackStandIn
from tests.standins.slack_methods import SlackError

TOKEN = "xoxb-1-notifier-test"
VIEW = v.View(title="Records request, case PG-ABC234", lines=("Presented: A subpoena.",))


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn(token=TOKEN) as stand_in:
        yield stand_in


def notifier(slack: SlackStandIn, timeout: int = 5) -> SlackNotifier:
    # No retry handlers: these tests look at what reaches the pager.
    client = AsyncWebClient(token=TOKEN, base_url=slack.api_url, timeout=timeout, retry_handlers=[])
    return SlackNotifier(client)


def delivery(address: str = "U0DIRECTOR", update_ref: dict | None = None) -> Delivery:
    return Delivery(1, "PG-ABC234", "page", "slack", address, VIEW, update_ref=update_ref)


async def failure(slack: SlackStandIn, sent: Delivery, timeout: int = 5) -> DeliveryFailed:
    with pytest.raises(DeliveryFailed) as caught:
        await notifier(slack, timeout).deliver(sent)
    return caught.value


async def test_a_page_is_a_dm_and_its_place_is_returned(slack):
    where = await notifier(slack).deliver(delivery())
    assert where["channel"] == "D0DIRECTOR" and where["ts"]
    [call] = slack.calls_to("chat.postMessage")
    assert call.args["channel"] == "U0DIRECTOR"
    assert call.args["text"].startswith("Records request, case PG-ABC234")


async def test_an_update_edits_the_message_where_it_is(slack):
    where = await notifier(slack).deliver(delivery())
    again = await notifier(slack).deliver(delivery(update_ref=where))
    assert again == where
    [edit] = slack.calls_to("chat.update")
    assert (edit.args["channel"], edit.args["ts"]) == (where["channel"], where["ts"])


async def test_only_user_ids_are_ever_posted_to(slack):
    refused = await failure(slack, delivery(address="C0PUBLIC"))
    assert refused.permanent and refused.kind == "not_a_user_id"
    assert slack.calls == []


@pytest.mark.parametrize("error", ["user_not_found", "account_inactive", "channel_not_found"])
async def test_gone_recipients_fail_for_good(slack, error):
    def refuse(state, args):
        raise SlackError(error)

    slack.handle("chat.postMessage", refuse)
    found = await failure(slack, delivery())
    assert found.permanent and found.kind == error


async def test_a_deleted_message_cannot_be_edited_and_is_not_retried(slack):
    found = await failure(slack, delivery(update_ref={"channel": "D0DIRECTOR", "ts": "1.000100"}))
    assert found.permanent and found.kind == "message_not_found"


async def test_server_errors_are_retried_later(slack):
    slack.fail_next("chat.postMessage", status=502)
    found = await failure(slack, delivery())
    assert not found.permanent and found.kind == "http_502"


async def test_rate_limits_carry_retry_after(slack):
    slack.fail_next("chat.postMessage", status=429, retry_after=7)
    found = await failure(slack, delivery())
    assert not found.permanent and found.retry_after == 7


async def test_a_stalled_slack_times_out_and_is_retried_later(slack):
    slack.stall(3, count=1)
    found = await failure(slack, delivery(), timeout=1)
    assert not found.permanent and found.kind == "TimeoutError"
