"""Fallback pages as a signed JSON POST, for SMS gateways, PagerDuty relays or ntfy.

The receiver checks `X-PatronGuard-Signature: sha256=<hex>`, the HMAC-SHA256 with the
shared secret (PATRONGUARD_WEBHOOK_SECRET) of the string "<timestamp>.<raw body>", where
<timestamp> is the `X-PatronGuard-Timestamp` header (Unix seconds). Signing the timestamp
lets the receiver refuse replays of an old request, as Slack and Stripe do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from bot.config import Contact, Settings
from bot.notifiers.content import page_content
from handlers.pager import Delivery, DeliveryFailed

log = logging.getLogger("patronguard.webhook")

SIGNATURE_HEADER = "X-PatronGuard-Signature"
TIMESTAMP_HEADER = "X-PatronGuard-Timestamp"
REPLAY_TOLERANCE = 300  # seconds a receiver should accept a timestamp either side of now
RETRY_AFTER_MAX = 3600.0  # a receiver cannot park a page for longer than this
TRANSIENT_STATUSES = frozenset({408, 425, 429})


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: str,
    *,
    timestamp: str,
    body: bytes,
    signature: str,
    now: float | None = None,
    tolerance: float = REPLAY_TOLERANCE,
) -> bool:
    """What a receiver does: a fresh timestamp and a matching signature (constant time)."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    if age > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class WebhookNotifier:
    """POSTs one JSON event per page (and one when the page is acknowledged)."""

    channel = "webhook"
    page_interval = timedelta(0)  # a fallback goes out when due; it is never combined
    max_buttons = 1

    def __init__(
        self,
        settings: Settings,
        *,
        secret: str,
        now: Callable[[], float] = time.time,
    ):
        if settings.webhook is None:
            raise ValueError("settings.webhook is not configured")
        if not secret:
            raise ValueError("the webhook needs PATRONGUARD_WEBHOOK_SECRET")
        self.settings = settings
        self.url = settings.webhook.url
        self.timeout = settings.webhook.timeout.total_seconds()
        self._secret = secret
        self._now = now

    async def deliver(self, delivery: Delivery) -> dict[str, Any] | None:
        """POST the event; 2xx delivered, 408/429/5xx/timeouts retried, other 4xx permanent."""
        stamp = self._now()
        body = json.dumps(self.event(delivery, sent_at=stamp), separators=(",", ":")).encode()
        timestamp = str(int(stamp))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "PatronGuard-Webhook/1",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as http,
                http.post(self.url, data=body, headers=headers, allow_redirects=False) as response,
            ):
                status = response.status
                retry_after = _retry_after(response.headers.get("Retry-After"), stamp)
        except TimeoutError:
            failure = DeliveryFailed("timeout")
        except aiohttp.ClientError:
            failure = DeliveryFailed("connection_failed")
        else:
            if 200 <= status < 300:
                log.info("case %s: webhook %s sent", delivery.case_id, delivery.kind)
                # Where it went, so the acknowledgement follows as an event of its own.
                return {"webhook": delivery.page_id}
            failure = _failure_for(status, retry_after)
        log.warning("case %s: webhook not sent (%s)", delivery.case_id, failure.kind)
        raise failure from None

    def event(self, delivery: Delivery, *, sent_at: float) -> dict[str, Any]:
        """The JSON body: minimal content, plus the paged person's own contact for routing."""
        content = page_content(delivery)
        acknowledged = delivery.kind in ("ack_update", "acknowledged")
        return {
            "event": "acknowledged" if acknowledged else "page",
            "delivery_id": delivery.page_id,  # the same on a retry: receivers can de-duplicate
            "case_id": delivery.case_id,
            "urgency": "high" if content.urgent and not acknowledged else "normal",
            "drill": delivery.drill,
            "restricted": delivery.restricted,
            "resend": delivery.resend,  # may repeat an earlier delivery_id: receivers dedupe
            "recipient": _recipient(self._person(delivery.address)),
            "summary": content.summary,
            "sent_at": datetime.fromtimestamp(sent_at, UTC).isoformat(timespec="seconds"),
        }

    def _person(self, key: str) -> Contact | None:
        # The pager addresses webhook pages by the person's key (see handlers.pager._address).
        counsel = self.settings.counsel
        return self.settings.officer(key) or (counsel if counsel and counsel.key == key else None)


def _recipient(person: Contact | None) -> dict[str, str | None]:
    if person is None:
        return {"name": None, "phone": None, "email": None}
    return {"name": person.name, "phone": person.phone, "email": person.email}


def _failure_for(status: int, retry_after: float | None) -> DeliveryFailed:
    if status == 429:
        return DeliveryFailed("ratelimited", retry_after=retry_after)
    if status >= 500 or status in TRANSIENT_STATUSES:
        return DeliveryFailed(f"http_{status}", retry_after=retry_after)
    # 3xx (redirects are not followed: the signature must not travel on) and other 4xx.
    return DeliveryFailed(f"http_{status}", permanent=True)


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), capped."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - now
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), RETRY_AFTER_MAX)
