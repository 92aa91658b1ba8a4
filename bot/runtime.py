"""Putting settings, playbook, database and clock together; what a running server holds."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from handlers.clock import Clock, SystemClock
from handlers.pager import Notifier, Pager
from handlers.services import Services
from playbooks.model import load_playbook
from storage.writer import Store


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

    def wake_pager(self) -> None:
        if self.pager is not None:
            self.pager.wake()
