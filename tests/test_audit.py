from __future__ import annotations

import logging
from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer

from bot.config import EmailSettings
from bot.server import RUNTIME, create_app
from handlers.actors import Actor
from handlers.audit import audit_overdue
from handlers.cases import report_inquiry
from handlers.clock import FakeClock
from handlers.pager import DeliveryFailed
from tests.conftest import RecordingNotifier


async def test_auditor_logs_pages_overdue_by_more_than_a_minute(
    services, pager, notifier, staff, clock, caplog
):
    notifier.failures = [DeliveryFailed("server_error")] * 10
    case_id = (await report_inquiry(services, staff)).case_id
    await pager.run_once()
    clock.advance(timedelta(seconds=59))
    assert await audit_overdue(services) == 0
    clock.advance(timedelta(seconds=2))
    with caplog.at_level(logging.WARNING, logger="patronguard.audit"):
        assert await audit_overdue(services) == 1
    assert case_id in caplog.text and "server_error" in caplog.text


async def test_healthz_reports_overdue_pages(settings, db_path):
    clock = FakeClock()
    # Officers reachable by email, so the server starts; the pages then go to a failing console.
    email = EmailSettings(host="127.0.0.1", port=2525, starttls=False, sender="pg@example.org")
    configured = settings.model_copy(update={"email": email})
    app = create_app(configured, db_path, {}, clock=clock, slack=False, teams=False)
    async with TestClient(TestServer(app)) as client:
        runtime = app[RUNTIME]
        failing = RecordingNotifier()
        failing.failures = [DeliveryFailed("server_error")] * 50
        runtime.notifiers["console"] = failing
        runtime.services.page_channels = frozenset({"console"})
        await report_inquiry(runtime.services, Actor("console", "desk"))
        await runtime.pager.run_once()
        assert (await (await client.get("/healthz")).json())["overdue_pages"] == 0
        clock.advance(timedelta(minutes=2))
        body = await (await client.get("/healthz")).json()
        assert body["overdue_pages"] == 1 and body["ok"] is False
