"""One aiohttp server: /slack/events, /api/messages, /healthz, with the pager running inside."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from bot.config import Settings
from bot.notifiers import FallbackNotConfigured, fallback_notifiers
from bot.runtime import build_services
from handlers.audit import audit_overdue, overdue_pages
from handlers.clock import Clock
from handlers.pager import Notifier, Pager
from handlers.retention import purge_expired, vacuum_if_due
from handlers.review import send_due_review
from handlers.services import Services

log = logging.getLogger("patronguard.server")

RUNTIME = web.AppKey("runtime", "Runtime")
MAX_BODY = 256 * 1024  # Slack and Bot Framework payloads are far smaller


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
    pager_idle: float = 1.0

    def wake_pager(self) -> None:
        if self.pager is not None:
            self.pager.wake()


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
    """Purge, vacuum and send the retention review when due, until the server stops."""
    every = runtime.services.settings.retention.purge_every.total_seconds()
    while not runtime.stop.is_set():
        try:
            await purge_expired(runtime.services, stop=runtime.stop)  # stops between chunks
            await vacuum_if_due(runtime.services)
            await send_due_review(runtime.services, runtime.notifiers)
        except Exception as exc:  # maintenance must never take the server down
            log.error("scheduled purge failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runtime.stop.wait(), timeout=every)


async def _stop_background(app: web.Application) -> None:
    runtime = app[RUNTIME]
    runtime.stop.set()
    runtime.wake_pager()
    # The pager finishes the delivery in hand before it stops.
    await asyncio.gather(*runtime.tasks, return_exceptions=True)


async def _close_store(app: web.Application) -> None:
    app[RUNTIME].services.store.close()


async def healthz(request: web.Request) -> web.Response:
    """JSON health for monitors: database writable, pager loop alive, overdue pages."""
    runtime = request.app[RUNTIME]
    services = runtime.services
    writable = True
    overdue = 0
    try:
        overdue = len(await overdue_pages(services))
        await services.store.run(_probe_write, transaction=False)
    except Exception as exc:
        writable = False
        log.error("health: database not writable (%s)", type(exc).__name__)
    pager = runtime.pager
    loop_time = asyncio.get_running_loop().time()
    alive = bool(
        pager
        and pager.last_cycle_at is not None
        and loop_time - pager.last_cycle_at < runtime.pager_idle * 3 + 30
    )
    healthy = writable and alive and overdue == 0
    body = {
        "ok": healthy,
        "database_writable": writable,
        "pager_alive": alive,
        "overdue_pages": overdue,
        "channels": sorted(runtime.notifiers),
    }
    return web.json_response(body, status=200 if healthy else 503)


def _probe_write(db) -> None:
    # Takes the write lock without changing anything: fails on a read-only or locked file.
    db.execute("BEGIN IMMEDIATE")
    db.execute("ROLLBACK")
