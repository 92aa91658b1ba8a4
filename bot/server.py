"""One aiohttp server: /slack/events, /api/messages, /healthz, with the pager running inside."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from bot.config import Settings
from bot.notifiers import FallbackNotConfigured, fallback_notifiers
from bot.runtime import (
    ChannelState,
    Runtime,
    StartupError,
    build_services,
    cannot_page,
    fallback_states,
    slack_state,
    teams_state,
    who,
)
from handlers.audit import audit_overdue
from handlers.clock import Clock
from handlers.health import check_health, officers_reach, reach
from handlers.pager import Pager
from handlers.process import release_lapsed_preservations
from handlers.retention import purge_expired, vacuum_if_due
from handlers.review import send_due_review

if TYPE_CHECKING:  # the SDKs load only when their channel is on
    from bot.slack.wiring import SlackCredentials
    from bot.teams.auth import AuthSettings

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
    teams: bool | None = None,
) -> web.Application:
    """Build the server. Slack is on when its variables are set (or `socket_mode`), Teams when
    a MICROSOFT_APP_* variable is set; `slack` or `teams` True or False overrides that (Teams
    asked for without MICROSOFT_APP_ID serves the local Bot Framework Emulator only). A
    channel's SDK is loaded only when the channel is on.

    Raises StartupError with a message that says what to fix: a channel partly set up, an
    officer no channel that is on can page, a variable of the wrong shape.
    """
    slack_on = slack_state(env, socket_mode=socket_mode, asked=slack)
    teams_on = teams_state(env, asked=teams)
    # Every variable is checked before the database is opened or anything listens.
    slack_credentials = _slack_credentials(env, socket_mode) if slack_on.on else None
    teams_auth = _teams_auth(env) if teams_on.on else None
    if teams_auth is not None:
        teams_on = replace(teams_on, why=teams_auth.why)
    try:
        fallbacks = fallback_notifiers(settings, env)  # email and webhook, as configured
    except FallbackNotConfigured as exc:
        raise StartupError(str(exc)) from None
    states = [slack_on, teams_on, *fallback_states(settings)]
    channels = frozenset(s.name for s in states if s.on)
    _refuse_unpageable(settings, channels, states)
    for state in states:
        log.info("%s", state.line)
    _warn_unpaged(settings, channels, states)
    services = build_services(settings, db_path, clock=clock, page_channels=channels)
    runtime = Runtime(services=services, env=env, notifiers=dict(fallbacks))
    services.on_queued = runtime.wake_pager
    app = web.Application(client_max_size=MAX_BODY)
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    try:
        if slack_credentials is not None:
            from bot.slack.wiring import attach_slack

            runtime.notifiers["slack"] = attach_slack(app, runtime, slack_credentials)
        if teams_auth is not None:
            from bot.teams.wiring import attach_teams

            runtime.notifiers["teams"] = attach_teams(app, runtime, teams_auth)
    except StartupError:
        services.store.close()
        raise
    runtime.pager = Pager(services, runtime.notifiers)
    app.on_startup.append(_report_teams_reach)
    app.on_startup.append(_start_background)
    # Shutdown runs before any channel's cleanup closes its session: the page in hand goes out.
    app.on_shutdown.append(_stop_background)
    app.on_cleanup.append(_close_store)
    return app


def _slack_credentials(env: Mapping[str, str], socket_mode: bool) -> SlackCredentials:
    from bot.slack.wiring import read_credentials

    return read_credentials(env, socket_mode=socket_mode)


def _teams_auth(env: Mapping[str, str]) -> AuthSettings:
    from bot.teams.auth import auth_settings

    return auth_settings(env)


def _refuse_unpageable(
    settings: Settings, channels: frozenset[str], states: list[ChannelState]
) -> None:
    """An officer whose ids and addresses are all for channels that are off is a mistake IT
    can fix now, so serving is refused; Teams not opened yet is not (see _report_teams_reach)."""
    found = reach(settings.officers, channels, teams_opened=None)
    if found.on_no_channel:
        raise StartupError("\n".join(cannot_page(settings, o, states) for o in found.on_no_channel))
    if not found.reachable:
        people = ", ".join(who(settings, o, name=True) for o in found.phone_only)
        raise StartupError(
            f"No officer can be paged: {people} can only be phoned. Give at least one of them "
            "a slack_id, teams_id or email, for a channel that is on."
        )


def _warn_unpaged(settings: Settings, channels: frozenset[str], states: list[ChannelState]) -> None:
    """Those `patronguard check` also warns about: officers with only a phone, and counsel."""
    for officer in reach(settings.officers, channels, teams_opened=None).phone_only:
        log.warning(
            "%s can only be phoned: PatronGuard cannot page them; add a slack_id, teams_id "
            "or email",
            who(settings, officer, name=False),
        )
    if settings.counsel is not None:
        counsel = reach([settings.counsel], channels, teams_opened=None)
        for person in counsel.on_no_channel:
            log.warning("%s", cannot_page(settings, person, states, name=False))


async def _report_teams_reach(app: web.Application) -> None:
    """Officers paged only in Teams who have not opened it: Teams lets a bot write first only
    after that, so serving goes on (refusing would make it impossible to fix) and says so."""
    runtime = app[RUNTIME]
    if "teams" not in runtime.notifiers:
        return
    settings = runtime.services.settings
    found = await officers_reach(runtime.services, frozenset(runtime.notifiers))
    for officer in found.not_yet_in_teams:
        log.error(
            "%s can be paged only in Teams and has not opened PatronGuard there yet: ask them "
            "to open it once; until then /healthz answers 503 and names them",
            who(settings, officer, name=False),
        )


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
            await purge_expired(runtime.services, stop=runtime.stop)  # stops between chunks
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
    take a real write), an officer who should be paged cannot be (or nobody can), the pager
    stopped, or pages are overdue. It turns 200 again by itself when the cause goes away."""
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
        "officers_phone_only": list(found.phone_only_officers),
        # Details, not a failure: an officer has to act, not IT.
        "response_deadlines_missed": list(found.missed_deadlines),
        "channels": sorted(runtime.notifiers),
    }
    return web.json_response(body, status=200 if healthy else 503)


# -- serving: what `patronguard serve` runs ---------------------------------------------------


def run(
    app: web.Application, host: str, port: int, *, ready: Callable[[], None] | None = None
) -> None:
    """Serve `app` until SIGINT or SIGTERM, then stop gracefully (the pager finishes first)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await serve_app(app, host, port, stop=stop, ready=ready)

    asyncio.run(main())


async def serve_app(
    app: web.Application,
    host: str,
    port: int,
    *,
    stop: asyncio.Event,
    header_timeout: float = HEADER_TIMEOUT,
    ready: Callable[[], None] | None = None,
) -> None:
    """Listen on host:port until `stop` is set; raises StartupError if a channel cannot start.

    `ready` is called once the channels have started and the port is open.
    """
    runner = GuardedAppRunner(
        app,
        header_timeout=header_timeout,
        keepalive_timeout=KEEPALIVE_TIMEOUT,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
    )
    try:
        await runner.setup()
    except BaseException:
        await _close_store(app)  # aiohttp runs no cleanup for an app whose startup failed
        raise
    try:
        await web.TCPSite(runner, host, port).start()
        if ready is not None:
            ready()
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
