"""Putting settings, playbook, database and clock together into Services."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from handlers.clock import Clock, SystemClock
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
