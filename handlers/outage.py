"""When PatronGuard cannot record something, staff must still know whom to phone.

The one wording for every failure, in every channel: the database is down, the disk is full,
or a handler failed.
"""

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


def cannot_record(services: Services) -> v.Reply:
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
    """Turn a database outage into the reply telling staff whom to phone, and log it."""

    @functools.wraps(handler)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> v.Reply:
        try:
            return await handler(*args, **kwargs)
        except StorageUnavailable as exc:
            log.error("%s refused: database unavailable (%s)", handler.__name__, exc)
            services = args[0]
            assert isinstance(services, Services)
            return cannot_record(services)

    return guarded
