"""Putting Teams into the server: POST /api/messages, the bot, and the pager's notifier."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from aiohttp import web
from botbuilder.schema import Activity

from bot.teams.auth import auth_settings, build_adapter
from bot.teams.bot import PatronGuardBot
from bot.teams.notifier import TeamsNotifier

if TYPE_CHECKING:
    from bot.server import Runtime

log = logging.getLogger("patronguard.teams")

MESSAGES_PATH = "/api/messages"


def attach_teams(app: web.Application, runtime: Runtime) -> TeamsNotifier:
    """Register the Bot Framework endpoint; return the notifier the pager pages Teams with.

    Raises bot.server.StartupError when the MICROSOFT_APP_* variables do not fit together.
    """
    settings = auth_settings(runtime.env)
    adapter = build_adapter(settings)
    bot = PatronGuardBot(runtime.services, app_id=settings.APP_ID)

    async def messages(request: web.Request) -> web.StreamResponse:
        refused = await _malformed(request)
        if refused is not None:
            return refused
        # Authentication happens in process(): without valid credentials it raises a 401.
        return await adapter.process(request, bot)

    app.router.add_post(MESSAGES_PATH, messages)
    return TeamsNotifier(adapter, runtime.services, app_id=settings.APP_ID)


async def _malformed(request: web.Request) -> web.Response | None:
    """A 4xx for a body that is not a Bot Framework activity; botbuilder would answer 500."""
    if request.content_type != "application/json":
        return _problem(415, "expected Content-Type: application/json")
    try:
        body = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return _problem(400, "the body is not JSON")
    if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
        return _problem(400, "the body is not an activity with a type")
    try:
        Activity().deserialize(body)
    except Exception:  # msrest raises several kinds for fields of the wrong shape
        return _problem(400, "the activity has fields of the wrong shape")
    return None


def _problem(status: int, message: str) -> web.Response:
    log.info("refused a Teams request: %s", message)
    return web.json_response({"error": message}, status=status)
