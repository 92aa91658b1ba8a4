"""When the database cannot be written, staff must still know whom to phone."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec

from handlers import views as v
from handlers.presenters import phone_list
from handlers.services import Services
from storage.db import StorageUnavailable

log = logging.getLogger("patronguard.outage")
P = ParamSpec("P")


def outage_reply(services: Services) -> v.Reply:
    return v.Reply(
        view=v.View(
            title="PatronGuard cannot record this right now",
            lines=(
                "Phone the responsible officer now: " + phone_list(services) + ".",
                "Meanwhile: disclose nothing, and ask the requester to wait for the officer.",
            ),
            tone=v.WARNING,
        ),
        refused=True,
    )


def storage_guard(
    handler: Callable[P, Awaitable[v.Reply]],
) -> Callable[P, Awaitable[v.Reply]]:
    """Turn a database outage into a reply telling staff whom to phone, and log it."""

    @functools.wraps(handler)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> v.Reply:
        try:
            return await handler(*args, **kwargs)
        except StorageUnavailable as exc:
            log.error("%s refused: database unavailable (%s)", handler.__name__, exc)
            services = args[0]
            assert isinstance(services, Services)
            return outage_reply(services)

    return guarded
