"""One aiohttp server: /slack/events, /api/messages, /healthz, with the pager running inside."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from bot.config import Settings
from bot.notifiers import FallbackNotConfigured, fallback_notifiers
from bot.runtime import Runtime, StartupError, build_services
from handlers.audit import audit_overdue
from handlers.clock import Clock
from handlers.health import check_health
from handlers.pager import Pager
from handlers.process import release_lapsed_preservations
from handlers.retention import purge_expired, vacuum_if_due
from handlers.review import send_due_review

log = logging.getLogger("patronguard.server")

RUNTIME = web.AppKey("runtime", Runtime)
MAX_BODY = 256 * 1024  # Slack and Bot Framework payloads are far smaller
HEADER_TIMEOUT = 10.0  # seconds for a request line and its headers to arrive
KEEPALIVE_TIMEOUT = 75.0  # idle keep-alive connections, as aiohttp's run_app sets it
SHUTDOWN_TIMEOUT = 10.0  # for requests in hand when the server is told to stop


def create_app(
    settings: Settings,
    db_path: Path,
    env: Mapping[str, str],
    *,
    clock: Clock | None = None,
    socket_mode: bool = False,
    slack: bool | None = None,
    teams: bool = True,
) -> web.Application:
    """Build the server. Slack is on when SLACK_BOT_TOKEN is set; Teams is always on.

    Raises StartupError with a message that says which variable to fix.
    """
    from bot.slack.wiring import attach_slack
    from bot.teams.wiring import attach_teams

    slack = bool(env.get("SLACK_BOT_TOKEN")) if slack is None else slack
    channels = frozenset(c for c, on in (("slack", slack), ("teams", teams)) if on)
    try:
        fallbacks = fallback_notifiers(settings, env)  # email and webhook, as configured
    except FallbackNotConfigured as exc:
        raise StartupError(str(exc)) from None
    channels |= frozenset(fallbacks)
    services = build_services(settings, db_path, clock=clock, page_channels=channels)
    runtime = Runtime(services=services, env=env, notifiers=dict(fallbacks))
    services.on_queued = runtime.wake_pager
    app = web.Application(client_max_size=MAX_BODY)
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    try:
        if slack:
            runtime.notifiers["slack"] = attach_slack(app, runtime, socket_mode=socket_mode)
        if teams:
            runtime.notifiers["teams"] = attach_teams(app, runtime)
    except StartupError:
        services.store.close()
        raise
    runtime.pager = Pager(services, runtime.notifiers)
    app.on_startup.append(_start_background)
    # Shutdown runs before any channel's cleanup closes its session: the page in hand goes out.
    app.on_shutdown.append(_stop_background)
    app.on_cleanup.append(_close_store)
    return app


async def _start_background(app: web.Application) -> None:
    runtime = app[RUNTIME]
    assert runtime.pager is not None  # create_app made it
    runtime.tasks.append(
        asyncio.create_task(runtime.pager.run(runtime.stop, idle=runtime.pager_idle))
    )
    runtime.tasks.append(asyncio.create_task(_maintain(runtime)))
    runtime.tasks.append(asyncio.create_task(_audit(runtime)))


async def _audit(runtime: Runtime, every: float = 30.0) -> None:
    """Look for overdue pages twice a minute and say so in the log."""
    while not runtime.stop.is_set():
        try:
            await audit_overdue(runtime.services)
        except Exception as exc:  # the auditor must never take the server down
            log.error("overdue-page audit failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runtime.stop.wait(), timeout=every)


async def _maintain(runtime: Runtime) -> None:
    """End lapsed preservations, purge, vacuum and send the retention review when due, until
    the server stops."""
    every = runtime.services.settings.retention.purge_every.total_seconds()
    while not runtime.stop.is_set():
        try:
            await release_lapsed_preservations(runtime.services)
            await purge_expired(runtime.services)
            await vacuum_if_due(runtime.services)
            await send_due_review(runtime.services, runtime.notifiers)
        except Exception as exc:  # maintenance must never take the server down
            log.error("scheduled purge failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runtime.stop.wait(), timeout=every)


async def _stop_background(app: web.Application) -> None:
    runtime = app[RUNTIME]
    # Reports and button presses in hand are recorded before anything stops.
    await runtime.work.wait_for(lambda work: work.active == 0, timeout=SHUTDOWN_TIMEOUT / 2)
    runtime.stop.set()
    runtime.wake_pager()
    # The pager finishes the delivery in hand before it stops.
    await asyncio.gather(*runtime.tasks, return_exceptions=True)


async def _close_store(app: web.Application) -> None:
    app[RUNTIME].services.store.close()


async def healthz(request: web.Request) -> web.Response:
    """JSON health for monitors: 503 whenever a report would be refused (the database cannot
    take a real write), no configured officer can be paged, the pager stopped, or pages are
    overdue. It turns 200 again by itself when the cause goes away."""
    runtime = request.app[RUNTIME]
    found = await check_health(runtime.services, channels=frozenset(runtime.notifiers))
    pager = runtime.pager
    loop_time = asyncio.get_running_loop().time()
    alive = bool(
        pager
        and pager.last_cycle_at is not None
        and loop_time - pager.last_cycle_at < runtime.pager_idle * 3 + 30
    )
    healthy = found.ok and alive
    body = {
        "ok": healthy,
        "database_writable": found.database_writable,
        "pager_alive": alive,
        "overdue_pages": found.overdue_pages,
        "officers_reachable": found.reachable_officers,
        "officers_unreachable": list(found.unreachable_officers),
        # Details, not a failure: an officer has to act, not IT.
        "response_deadlines_missed": list(found.missed_deadlines),
        "channels": sorted(runtime.notifiers),
    }
    return web.json_response(body, status=200 if healthy else 503)


# -- serving: what `patronguard serve` runs ---------------------------------------------------


def run(app: web.Application, host: str, port: int) -> None:
    """Serve `app` until SIGINT or SIGTERM, then stop gracefully (the pager finishes first)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await serve_app(app, host, port, stop=stop)

    asyncio.run(main())


async def serve_app(
    app: web.Application,
    host: str,
    port: int,
    *,
    stop: asyncio.Event,
    header_timeout: float = HEADER_TIMEOUT,
) -> None:
    """Listen on host:port until `stop` is set; raises StartupError if a channel cannot start."""
    runner = GuardedAppRunner(
        app,
        header_timeout=header_timeout,
        keepalive_timeout=KEEPALIVE_TIMEOUT,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        await stop.wait()
    finally:
        await runner.cleanup()


class GuardedAppRunner(web.AppRunner):
    """aiohttp's AppRunner, with connections that must send their headers in time."""

    def __init__(self, app: web.Application, *, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.header_timeout = header_timeout

    async def _make_server(self) -> web.Server:
        # AppRunner builds the Server (running the app's startup); only its handler class changes.
        plain = await super()._make_server()
        return _GuardedServer(
            plain.request_handler,
            request_factory=plain.request_factory,
            handler_cancellation=plain.handler_cancellation,
            loop=plain._loop,
            header_timeout=self.header_timeout,
            **plain._kwargs,
        )


class _GuardedServer(web.Server):
    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout

    def __call__(self) -> RequestHandler:
        return _HeaderDeadlineHandler(
            self, loop=self._loop, header_timeout=self.header_timeout, **self._kwargs
        )


class _HeaderDeadlineHandler(RequestHandler):
    """One connection: closed when a request's line and headers do not arrive in time.

    aiohttp bounds idle keep-alive connections but not a request that has begun, so a client
    could send half a request line and hold the connection open for an hour. The deadline
    starts when the connection opens, and again when a further request begins on a kept-alive
    connection; it ends when the headers have been parsed.
    """

    __slots__ = ("_header_deadline", "_header_timeout")

    def __init__(self, manager: web.Server, *, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._header_timeout = header_timeout
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._header_deadline is None and self._waiting_for_request():
            self._arm()
        parsed = self._request_count
        super().data_received(data)
        if self._request_count != parsed:
            self._disarm()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _waiting_for_request(self) -> bool:
        waiter = self._waiter
        return waiter is not None and not waiter.done()

    def _arm(self) -> None:
        self._disarm()
        self._header_deadline = self._loop.call_later(self._header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _expire(self) -> None:
        self._header_deadline = None
        # Only a connection still waiting for a whole request is cut; one in use is left alone.
        if self._waiting_for_request():
            log.info("closed a connection whose request headers did not arrive in time")
            self.force_close()
