"""The Teams notifier under failure: missing references, Connector errors, rate limits, stalls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from handlers.clock import FakeClock
from storage import pages
from storage.records import PageRecord
from storage.timefmt import from_text
from tests.teams_harness import DANA, SAM, STAFF, TeamsHarness, teams_settings


@pytest.fixture
async def teams(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[TeamsHarness]:
    async with TeamsHarness.running(
        teams_settings(settings), tmp_path / "pg.db", clock=clock, background_pager=False
    ) as harness:
        yield harness
        harness.check_every_card()


async def first_page(teams: TeamsHarness, trouble: Callable[[], None] = lambda: None) -> PageRecord:
    """Staff report; then `trouble` is set up and the pager tries to page the first officer."""
    assert await teams.say(STAFF, "an agent wants to see records") == 201
    trouble()
    await teams.runtime.pager.run_once()
    rows = teams.read(lambda db: pages.pages_for_case(db, db["cases"].rows.__next__()["id"]))
    return next(r for r in rows if r.kind == "page" and r.recipient == "dana-whitfield")


async def test_an_officer_who_never_opened_the_app_is_a_permanent_failure(
    teams: TeamsHarness, clock: FakeClock, settings: Settings
) -> None:
    await teams.install(SAM)  # Dana has a teams_id but never opened PatronGuard in Teams
    page = await first_page(teams)
    assert (page.status, page.last_error) == ("failed", "no_conversation")
    clock.advance(settings.escalation.ack_timeout)
    await teams.runtime.pager.run_once()
    assert teams.find(SAM, lambda text: "Acknowledge" in text, kinds=("send",))


async def test_connector_errors_are_retried_with_backoff(
    teams: TeamsHarness, clock: FakeClock, settings: Settings
) -> None:
    await teams.install(DANA)
    page = await first_page(teams, lambda: teams.connector.fail_next(1, status=503))
    assert (page.status, page.attempts, page.last_error) == ("queued", 1, "http_503")
    clock.advance(settings.escalation.retry_backoff)
    await teams.runtime.pager.run_once()
    assert teams.find(DANA, lambda text: "Acknowledge" in text, kinds=("send",))


async def test_rate_limits_wait_at_least_retry_after(teams: TeamsHarness, clock: FakeClock) -> None:
    await teams.install(DANA)
    page = await first_page(teams, lambda: teams.connector.fail_next(1, 429, retry_after=120))
    assert (page.status, page.last_error) == ("queued", "rate_limited")
    assert from_text(page.next_attempt_at) >= clock.now() + timedelta(seconds=120)


async def test_a_stalled_connector_times_out_and_is_retried(teams: TeamsHarness) -> None:
    await teams.install(DANA)
    teams.runtime.notifiers["teams"].timeout = 0.2
    page = await first_page(teams, lambda: teams.connector.stall(2.0, count=1))
    assert (page.status, page.last_error) == ("queued", "timeout")


async def test_an_unreachable_service_url_is_retried(teams: TeamsHarness) -> None:
    closed_port = "http://127.0.0.1:9/"
    install = teams.activity(DANA, type="conversationUpdate", membersAdded=[{"id": DANA}])
    assert await teams.post({**install, "serviceUrl": closed_port}) == 201
    page = await first_page(teams)
    assert (page.status, page.last_error) == ("queued", "unreachable")
