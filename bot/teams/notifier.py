"""The pager's Teams notifier: proactive messages through stored conversation references.

A delivery goes to the personal chat stored for its address (an officer's teams_id or the
reporter's Teams user id). It returns where the message is, so later deliveries edit it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from botbuilder.core.cloud_adapter_base import CloudAdapterBase
from botbuilder.schema import ErrorResponseException
from msrest.exceptions import ClientRequestError

from bot.teams.references import Logic, continue_in
from bot.teams.replies import view_activity
from handlers.conversations import reference_for
from handlers.pager import Delivery, DeliveryFailed
from handlers.services import Services

# Teams answers in well under a second; a stalled call must not hold up other pages.
CALL_TIMEOUT = 15.0
# Teams says a conversation or message is gone, or refuses it as sent: retrying cannot help.
_PERMANENT = {400: "rejected", 403: "forbidden", 404: "not_found", 410: "gone"}


class TeamsNotifier:
    """Implements handlers.pager.Notifier for channel "teams"."""

    channel = "teams"
    page_interval = timedelta(seconds=1)  # Teams throttles bursts to one conversation
    max_buttons = 6  # Teams shows at most six actions on a card

    def __init__(self, adapter: CloudAdapterBase, services: Services, *, app_id: str = "") -> None:
        self.adapter = adapter
        self.services = services
        self.app_id = app_id
        self.timeout = CALL_TIMEOUT

    async def deliver(self, delivery: Delivery) -> dict[str, Any] | None:
        """Send the view, or edit the message `update_ref` points at; raise DeliveryFailed."""
        activity = view_activity(delivery.view)
        if delivery.update_ref:
            reference = delivery.update_ref.get("reference")
            activity.id = delivery.update_ref.get("activity_id")
            if not (reference and activity.id):
                raise DeliveryFailed("bad_update_ref", permanent=True)
            await self._call(reference, lambda context: context.update_activity(activity))
            return delivery.update_ref
        reference = await reference_for(self.services, delivery.address)
        if reference is None:
            raise DeliveryFailed("no_conversation", permanent=True)
        sent = await self._call(reference, lambda context: context.send_activity(activity))
        if sent is None or not sent.id:
            raise DeliveryFailed("no_activity_id")
        return {"reference": reference, "activity_id": sent.id}

    async def _call(self, reference: dict[str, Any], logic: Logic) -> Any:
        try:
            return await asyncio.wait_for(
                continue_in(self.adapter, reference, self.app_id, logic), self.timeout
            )
        except ErrorResponseException as exc:
            raise _failure(exc) from None
        except TimeoutError:
            raise DeliveryFailed("timeout") from None
        except (ClientRequestError, OSError):  # msrest wraps connection errors from requests
            raise DeliveryFailed("unreachable") from None


def _failure(exc: ErrorResponseException) -> DeliveryFailed:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", 0) or 0
    if status == 429:
        return DeliveryFailed("rate_limited", retry_after=_retry_after(response))
    if status in _PERMANENT:
        return DeliveryFailed(_PERMANENT[status], permanent=True)
    return DeliveryFailed(f"http_{status}" if status else "connector_error")


def _retry_after(response: Any) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After")))
    except (AttributeError, TypeError, ValueError):
        return None
