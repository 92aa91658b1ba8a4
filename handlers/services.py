"""What every handler needs, bundled once at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from handlers.clock import Clock, SystemClock
from handlers.settings import Settings
from playbooks.model import Playbook
from storage.timefmt import to_text
from storage.writer import Store


@dataclass
class Services:
    settings: Settings
    playbook: Playbook
    store: Store
    clock: Clock = field(default_factory=SystemClock)
    # Called after a transaction queues deliveries, so the pager sends them at once.
    on_queued: Callable[[], None] = lambda: None
    # Which page channels have a notifier in this process (console, slack, teams, ...).
    page_channels: frozenset[str] = frozenset({"console"})

    def now(self) -> datetime:
        return self.clock.now()

    def now_text(self) -> str:
        return to_text(self.clock.now())

    def local_time(self, stored: str | None) -> str:
        """A stored time as staff read it: local, short."""
        if not stored:
            return ""
        from storage.timefmt import from_text

        moment = from_text(stored).astimezone(self.settings.library.zone)
        return moment.strftime("%-I:%M %p %Z, %b %-d")
