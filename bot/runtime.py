"""Putting settings, playbook, database and clock together; what a running server holds."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec, TypeVar

from bot.config import Settings
from handlers.clock import Clock, SystemClock
from handlers.pager import Notifier, Pager
from handlers.services import Services
from playbooks.model import load_playbook
from storage.writer import Store

P = ParamSpec("P")
T = TypeVar("T")


def build_services(
    settings: Settings,
    db_path: Path,
    *,
    clock: Clock | None = None,
    page_channels: frozenset[str] = frozenset({"console"}),
) -> Services:
    """Load the playbook and open the store; raises FileProblems or StorageUnavailable."""
    playbook = load_playbook(list(settings.playbooks))
    store = Store(db_path)
    store.start()
    return Services(
        settings=settings,
        playbook=playbook,
        store=store,
        clock=clock or SystemClock(),
        page_channels=page_channels,
    )


class Work:
    """Listener calls in hand: shutdown lets them finish before the store closes, and a
    test can wait until the deliveries it sent have all been handled."""

    def __init__(self) -> None:
        self.active = 0
        self.finished = 0
        self._changed = asyncio.Condition()

    def tracked(self, listener: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(listener)
        async def run(*args: P.args, **kwargs: P.kwargs) -> T:
            self.active += 1
            try:
                return await listener(*args, **kwargs)
            finally:
                self.active -= 1
                self.finished += 1
                async with self._changed:
                    self._changed.notify_all()

        return run

    async def wait_for(self, predicate: Callable[[Work], bool], timeout: float) -> bool:
        """Wait until `predicate(self)` holds; False if it did not within `timeout`."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: predicate(self)), timeout)
            except TimeoutError:
                return False
        return True


class StartupError(Exception):
    """Configuration that makes serving impossible, explained for IT."""


@dataclass
class Runtime:
    """What the running server holds: handlers' services, the pager and its notifiers."""

    services: Services
    env: Mapping[str, str]
    notifiers: dict[str, Notifier] = field(default_factory=dict)
    pager: Pager | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task] = field(default_factory=list)
    pager_idle: float = 30.0  # the longest the pager sleeps when nothing is due sooner
    work: Work = field(default_factory=Work)

    def wake_pager(self) -> None:
        if self.pager is not None:
            self.pager.wake()
