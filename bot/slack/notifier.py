"""The pager's Slack notifier: pages and case cards as direct messages, edited in place."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import message_blocks, message_text
from handlers.pager import Delivery, DeliveryFailed

log = logging.getLogger("patronguard.slack")

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
# Slack errors that retrying cannot fix: the person, channel or message is gone or unreachable,
# or the payload itself was refused (our bug, which a retry would only repeat).
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "channel_not_found",
        "account_inactive",
        "user_disabled",
        "not_in_channel",
        "is_archived",
        "cannot_dm_bot",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
    }
)


METADATA_EVENT = "patronguard_page"
# The newest messages of a DM searched for one already sent: pages come at most one a
# second, so a page lost in a crash is among the last few.
HISTORY_LOOKBACK = 50


def _payload(delivery: Delivery) -> dict[str, Any]:
    """What the message metadata names: outbox row ids only, never anything about a case."""
    return {"pages": list(delivery.rows)}


class SlackNotifier:
    """Delivers the pager's outbox to Slack DMs.

    A new delivery is posted with `chat.postMessage` to the recipient's user id, which Slack
    delivers in the bot's DM with them; the returned `{"channel", "ts"}` is what a later
    update (`delivery.update_ref`) edits with `chat.update`. Only ever DMs: an address that
    is not a user id is refused, so nothing about a case can land in a shared channel.

    Each new message carries message metadata naming the outbox rows it delivers, so after
    a send whose outcome was lost (a crash, a timeout), `recover` finds it in the DM's
    history and the page is not sent twice.
    """

    channel = "slack"
    page_interval = timedelta(seconds=1)  # Slack allows about one message a second per channel
    max_buttons = 25  # the most buttons Slack allows in one actions block

    def __init__(self, client: AsyncWebClient):
        self.client = client

    async def deliver(self, delivery: Delivery) -> dict[str, Any] | None:
        blocks = message_blocks(delivery.view)
        text = message_text(delivery.view)
        try:
            if delivery.update_ref:
                where = _slack_ref(delivery.update_ref)
                answer = await self.client.chat_update(
                    channel=where["channel"], ts=where["ts"], blocks=blocks, text=text
                )
            else:
                if not USER_ID.match(delivery.address):
                    raise DeliveryFailed("not_a_user_id", permanent=True)
                answer = await self.client.chat_postMessage(
                    channel=delivery.address,
                    blocks=blocks,
                    text=text,
                    metadata={"event_type": METADATA_EVENT, "event_payload": _payload(delivery)},
                )
        except SlackApiError as exc:
            raise failure_from(exc) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            # The request may have reached Slack: the next try looks before sending again.
            raise DeliveryFailed(type(exc).__name__, uncertain=True) from None
        return {"channel": answer["channel"], "ts": answer["ts"]}

    async def recover(self, delivery: Delivery) -> dict[int, dict[str, Any]]:
        """Messages already in the recipient's DM for this delivery's rows, by row id."""
        if not USER_ID.match(delivery.address):
            return {}
        try:
            opened = await self.client.conversations_open(users=delivery.address)
            channel = opened["channel"]["id"]
            history = await self.client.conversations_history(
                channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
            )
        except SlackApiError as exc:
            raise failure_from(exc) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise DeliveryFailed(type(exc).__name__, uncertain=True) from None
        wanted = set(delivery.rows)
        found: dict[int, dict[str, Any]] = {}
        for message in history.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") != METADATA_EVENT:
                continue
            rows = (metadata.get("event_payload") or {}).get("pages") or []
            for row in rows:
                if isinstance(row, int) and row in wanted and row not in found:
                    found[row] = {"channel": channel, "ts": message["ts"]}
        return found


def _slack_ref(ref: dict[str, Any]) -> dict[str, str]:
    if not isinstance(ref.get("channel"), str) or not isinstance(ref.get("ts"), str):
        raise DeliveryFailed("bad_update_ref", permanent=True)
    return {"channel": ref["channel"], "ts": ref["ts"]}


def failure_from(exc: SlackApiError) -> DeliveryFailed:
    """Classify a Web API failure: 429 and 5xx are retried later; gone recipients are not."""
    response = exc.response
    status = getattr(response, "status_code", 200)
    error = str(response.get("error") or "unknown_error") if response is not None else "no_answer"
    if status == 429:
        return DeliveryFailed("ratelimited", retry_after=_retry_after(response))
    if status >= 500:
        # Slack may have posted it before failing: the next try looks before sending again.
        return DeliveryFailed(f"http_{status}", uncertain=True)
    return DeliveryFailed(error, permanent=error in PERMANENT_ERRORS)


def _retry_after(response: Any) -> float | None:
    value = (getattr(response, "headers", None) or {}).get("Retry-After")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
