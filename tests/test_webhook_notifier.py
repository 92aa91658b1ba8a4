"""The webhook fallback against a local aiohttp receiver over real HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from aiohttp import web

from bot.config import Settings, WebhookSettings
from bot.notifiers import FallbackNotConfigured, fallback_notifiers
from bot.notifiers.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookNotifier,
    sign,
    verify_signature,
)
from bot.runtime import build_services
from handlers import views as v
from handlers.acknowledge import acknowledge_page
from handlers.actors import Actor
from handlers.cases import report_inquiry
from handlers.intake import IntakeDetails, submit_intake
from handlers.pager import Delivery, DeliveryFailed, Pager
from storage import pages
from tests.conftest import RecordingNotifier

SECRET = "test-only-secret-0123456789abcdef"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook endpoint that records requests and answers as scripted (then 200)."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    completed: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(Received(dict(request.headers), await request.read()))
        self.arrived.set()
        await asyncio.sleep(self.delay)
        status, headers = self.answers.pop(0) if self.answers else (200, {})
        self.completed += 1
        return web.Response(status=status, headers=headers)

    def events(self, kind: str = "page") -> list[dict]:
        return [r.event for r in self.requests if r.event["event"] == kind]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    found.url = f"http://127.0.0.1:{port}/hook"
    yield found
    await runner.cleanup()


def with_webhook(settings: Settings, url: str, timeout: float = 2) -> Settings:
    hook = WebhookSettings(url=url, timeout=timedelta(seconds=timeout))
    return settings.model_copy(update={"webhook": hook})


def one_delivery(settings: Settings, **changes) -> Delivery:
    fields = {
        "page_id": 7,
        "case_id": "PG-TEST01",
        "kind": "page",
        "channel": "webhook",
        "address": settings.officers[0].key,
        "view": v.View(title="Records request, case PG-TEST01", case_id="PG-TEST01", urgent=True),
    }
    return Delivery(**{**fields, **changes})


async def test_signed_event_verifies_and_tampering_does_not(receiver, settings):
    configured = with_webhook(settings, receiver.url)
    notifier = WebhookNotifier(configured, secret=SECRET)
    assert await notifier.deliver(one_delivery(configured)) == {"webhook": 7}
    [request] = receiver.requests
    timestamp, signature = request.headers[TIMESTAMP_HEADER], request.headers[SIGNATURE_HEADER]
    assert signature.startswith("sha256=")
    assert verify_signature(SECRET, timestamp=timestamp, body=request.body, signature=signature)
    # Anyone can recompute it from the documented string "<timestamp>.<body>".
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256)
    assert signature == "sha256=" + expected.hexdigest()
    tampered = request.body.replace(b'"high"', b'"normal"')
    assert not verify_signature(SECRET, timestamp=timestamp, body=tampered, signature=signature)
    assert not verify_signature(
        "another-secret-0123456789", timestamp=timestamp, body=request.body, signature=signature
    )
    later = int(timestamp) + 3600  # a replay an hour later is refused
    assert not verify_signature(
        SECRET, timestamp=timestamp, body=request.body, signature=signature, now=later
    )
    event = request.event
    director = settings.officers[0]
    assert event == {
        "event": "page",
        "delivery_id": 7,
        "case_id": "PG-TEST01",
        "urgency": "high",
        "drill": False,
        "restricted": False,
        "resend": False,
        "recipient": {"name": director.name, "phone": director.phone, "email": director.email},
        "summary": "URGENT records request, case PG-TEST01. Open PatronGuard in Slack or Teams "
        "and look for case PG-TEST01; if you cannot, phone the library.",
        "sent_at": event["sent_at"],
    }
    assert event["sent_at"].endswith("+00:00")


async def test_restricted_summary_has_only_the_id(receiver, settings):
    configured = with_webhook(settings, receiver.url)
    notifier = WebhookNotifier(configured, secret=SECRET)
    view = v.View(
        title="Case PG-TEST02 needs the responsible officer",
        case_id="PG-TEST02",
        urgent=True,  # a restricted case always is: it says nothing else
        restricted=True,
    )
    await notifier.deliver(
        one_delivery(configured, case_id="PG-TEST02", view=view, restricted=True, drill=True)
    )
    event = receiver.requests[0].event
    assert (event["restricted"], event["drill"], event["urgency"]) == (True, True, "high")
    assert event["summary"] == (
        "This is a drill. Case PG-TEST02 needs the responsible officer. Open it privately in "
        "PatronGuard (Slack or Teams); if you cannot, phone the library."
    )


async def test_counsel_is_found_by_key(receiver, settings):
    configured = with_webhook(settings, receiver.url)
    notifier = WebhookNotifier(configured, secret=SECRET)
    await notifier.deliver(one_delivery(configured, kind="counsel", address=settings.counsel.key))
    assert receiver.requests[0].event["recipient"]["name"] == settings.counsel.name


def webhook_pager(settings: Settings, db_path, clock, url: str) -> tuple:
    configured = with_webhook(settings, url)
    services = build_services(
        configured, db_path, clock=clock, page_channels=frozenset({"webhook"})
    )
    notifiers = {
        "webhook": WebhookNotifier(configured, secret=SECRET),
        "console": RecordingNotifier(),
    }
    return services, Pager(services, notifiers)


def first_page(services, case_id: str):
    rows = services.store.call(lambda db: pages.pages_for_case(db, case_id))
    return next(r for r in rows if r.kind == "page" and r.round == 0 and r.position == 0)


async def test_server_error_then_success_delivers_once(receiver, settings, db_path, clock, staff):
    receiver.answers = [(500, {})]
    services, pager = webhook_pager(settings, db_path, clock, receiver.url)
    try:
        reply = await report_inquiry(services, staff)
        await pager.run_once()
        assert first_page(services, reply.case_id).last_error == "http_500"
        for _ in range(4):
            clock.advance(settings.escalation.retry_backoff)
            await pager.run_once()
        row = first_page(services, reply.case_id)
    finally:
        services.store.close()
    assert row.status == "sent"
    attempts = [e for e in receiver.events() if e["recipient"]["name"] == settings.officers[0].name]
    assert len(attempts) == 2 and attempts[0]["delivery_id"] == attempts[1]["delivery_id"]
    assert receiver.completed == 2 and len(receiver.requests) == 2


async def test_rate_limit_honours_retry_after(receiver, settings, db_path, clock, staff):
    receiver.answers = [(429, {"Retry-After": "120"})]
    services, pager = webhook_pager(settings, db_path, clock, receiver.url)
    try:
        reply = await report_inquiry(services, staff)
        await pager.run_once()
        clock.advance(timedelta(seconds=119))
        await pager.run_once()
        assert len(receiver.requests) == 1
        clock.advance(timedelta(seconds=1))
        await pager.run_once()
        row = first_page(services, reply.case_id)
    finally:
        services.store.close()
    assert row.status == "sent" and len(receiver.requests) == 2


async def test_not_found_is_permanent(receiver, settings, db_path, clock, staff):
    receiver.answers = [(404, {})]
    services, pager = webhook_pager(settings, db_path, clock, receiver.url)
    try:
        reply = await report_inquiry(services, staff)
        await pager.run_once()
        clock.advance(timedelta(minutes=1))
        await pager.run_once()
        row = first_page(services, reply.case_id)
    finally:
        services.store.close()
    assert (row.status, row.last_error) == ("failed", "http_404")
    assert len(receiver.requests) == 1


async def test_slow_receiver_is_a_transient_timeout(receiver, settings):
    receiver.delay = 1.0
    configured = with_webhook(settings, receiver.url, timeout=0.2)
    with pytest.raises(DeliveryFailed) as failed:
        await WebhookNotifier(configured, secret=SECRET).deliver(one_delivery(configured))
    assert (failed.value.kind, failed.value.permanent) == ("timeout", False)


async def test_acknowledgement_follows_as_its_own_event(receiver, settings, db_path, clock):
    services, pager = webhook_pager(settings, db_path, clock, receiver.url)
    staff = Actor("console", "desk-3")
    try:
        reply = await report_inquiry(services, staff)
        await submit_intake(
            services, staff, reply.case_id, IntakeDetails("subpoena", "lawyer", agency="Example")
        )
        await pager.run_once()
        officer = Actor("console", settings.officers[0].key)
        await acknowledge_page(services, officer, reply.case_id)
        await pager.run_once()
    finally:
        services.store.close()
    [ack] = receiver.events("acknowledged")
    assert ack["case_id"] == reply.case_id and ack["urgency"] == "normal"
    assert ack["summary"].startswith(f"Case {reply.case_id} has been acknowledged.")
    assert "Example" not in json.dumps(receiver.events())


def test_secret_is_required_and_long(settings):
    configured = with_webhook(settings, "https://relay.riverside-library.example/hook")
    with pytest.raises(FallbackNotConfigured, match="PATRONGUARD_WEBHOOK_SECRET"):
        fallback_notifiers(configured, {"PATRONGUARD_WEBHOOK_SECRET": "short"})
    built = fallback_notifiers(configured, {"PATRONGUARD_WEBHOOK_SECRET": SECRET})
    assert set(built) == {"webhook"}
    assert sign(SECRET, "1", b"{}") != sign(SECRET, "2", b"{}")  # the timestamp is signed


async def test_shutdown_finishes_the_delivery_in_flight(receiver, settings, db_path):
    from bot.server import RUNTIME, create_app
    from storage.db import connect

    receiver.delay = 0.5
    configured = with_webhook(settings, receiver.url)
    app = create_app(
        configured,
        db_path,
        {"PATRONGUARD_WEBHOOK_SECRET": SECRET},
        slack=False,
        teams=False,
    )
    runtime = app[RUNTIME]
    assert set(runtime.notifiers) == {"webhook"}
    runner = web.AppRunner(app)
    await runner.setup()
    reply = await report_inquiry(runtime.services, Actor("console", "desk-4"))
    runtime.wake_pager()
    await asyncio.wait_for(receiver.arrived.wait(), timeout=5)
    assert receiver.completed == 0  # the receiver is still answering
    await runner.cleanup()  # what SIGTERM does: stop, wait for the pager
    assert receiver.completed == 1
    db = connect(db_path)
    try:
        sent = [p for p in pages.pages_for_case(db, reply.case_id) if p.status == "sent"]
    finally:
        db.conn.close()
    assert [(p.kind, p.channel) for p in sent] == [("page", "webhook")]
