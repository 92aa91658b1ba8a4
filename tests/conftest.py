"""Small fixtures shared by the tests: a real SQLite file, a fake clock, a recording notifier."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings, load_default_settings
from bot.runtime import build_services
from handlers.actors import Actor
from handlers.clock import FakeClock
from handlers.pager import Delivery, DeliveryFailed, Pager
from handlers.services import Services


class RecordingNotifier:
    """A notifier that keeps what it was asked to send, and can be told to fail. It paces and
    combines pages as Slack needs: a second apart, up to 25 buttons."""

    page_interval = timedelta(seconds=1)
    max_buttons = 25

    def __init__(self, channel: str = "console"):
        self.channel = channel
        self.sent: list[Delivery] = []
        self.failures: list[DeliveryFailed] = []

    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(delivery)
        return {"n": len(self.sent)}

    def kinds_to(self, address: str) -> list[str]:
        return [d.kind for d in self.sent if d.address == address]


@pytest.fixture
def settings() -> Settings:
    return load_default_settings()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "patronguard.db"


@pytest.fixture
def services(settings: Settings, db_path: Path, clock: FakeClock):
    built = build_services(settings, db_path, clock=clock)
    yield built
    built.store.close()


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def pager(services: Services, notifier: RecordingNotifier) -> Pager:
    return Pager(services, {"console": notifier})


@pytest.fixture
def staff() -> Actor:
    return Actor("console", "desk-1")


@pytest.fixture
def officer(settings: Settings) -> Actor:
    return Actor("console", settings.officers[0].key)


@pytest.fixture
def second_officer(settings: Settings) -> Actor:
    return Actor("console", settings.officers[1].key)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
