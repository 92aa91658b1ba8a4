"""Putting Teams into the server: POST /api/messages, the bot, and the pager's notifier."""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import urljoin

import requests
from aiohttp import web
from botbuilder.schema import Activity
from urllib3.util import parse_url

from bot.runtime import Runtime
from bot.teams.auth import AuthSettings, build_adapter
from bot.teams.bot import PatronGuardBot
from bot.teams.notifier import TeamsNotifier

log = logging.getLogger("patronguard.teams")

MESSAGES_PATH = "/api/messages"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
LOOPBACK_ADDRESSES = frozenset({"127.0.0.1", "::1"})
# The Emulator's serviceUrl, exactly: no user-info, escapes, backslashes, spaces or controls.
_EMULATOR_URL = re.compile(
    r"https?://(?:127\.0\.0\.1|localhost|\[::1\])(?::[1-9][0-9]{0,4})?(?:/[A-Za-z0-9._~/-]*)?"
)


def attach_teams(app: web.Application, runtime: Runtime, settings: AuthSettings) -> TeamsNotifier:
    """Register the Bot Framework endpoint; return the notifier the pager pages Teams with.

    `settings` come from bot.teams.auth.auth_settings, which checks the MICROSOFT_APP_*
    variables before anything starts.
    """
    adapter = build_adapter(settings)
    bot = PatronGuardBot(runtime.services, app_id=settings.APP_ID)

    async def messages(request: web.Request) -> web.StreamResponse:
        refused = await _malformed(request) or await _remote_without_app_id(request, settings)
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
    sender = body.get("from")
    sender_id = sender.get("id") if isinstance(sender, dict) else None
    if not isinstance(sender_id, str) or not sender_id.strip():
        return _problem(400, "the activity does not name who sent it")
    try:
        Activity().deserialize(body)
    except Exception:  # msrest raises several kinds for fields of the wrong shape
        return _problem(400, "the activity has fields of the wrong shape")
    return None


async def _remote_without_app_id(
    request: web.Request, settings: AuthSettings
) -> web.Response | None:
    """Without MICROSOFT_APP_ID nothing is authenticated, so only a local emulator may talk
    to the bot: else anyone could make it open cases and call any serviceUrl they name."""
    if settings.APP_ID:
        return None  # the token must name the serviceUrl (bot.teams.auth)
    if (request.remote or "") not in LOOPBACK_ADDRESSES:
        return _problem(
            401, "no MICROSOFT_APP_ID is set, so only a local Bot Framework Emulator may connect"
        )
    service_url = json.loads(await request.read()).get("serviceUrl")
    if service_url is not None and not is_local_emulator_url(service_url):
        return _problem(
            401,
            "no MICROSOFT_APP_ID is set, so the serviceUrl must be the local Emulator's: "
            "http(s)://127.0.0.1, [::1] or localhost, with an optional port and path",
        )
    return None


def is_local_emulator_url(value: object) -> bool:
    """An exact loopback http(s) URL, which the connector's HTTP client also reads as one.

    botframework's connector joins paths onto the serviceUrl (msrest, with urljoin) and sends
    with requests, whose urllib3 finds the host: `http://169.254.169.254\\@127.0.0.1/` is
    127.0.0.1 to urlsplit but 169.254.169.254 to urllib3. So the text must match the strict
    pattern, and the URL the client would call must name a loopback host too.
    """
    if not isinstance(value, str) or not _EMULATOR_URL.fullmatch(value):
        return False
    try:
        called = requests.Request("POST", urljoin(value.rstrip("/") + "/", "v3/conversations"))
        target = parse_url(called.prepare().url or "")
    except (requests.RequestException, ValueError):
        return False
    port_ok = target.port is None or 0 < target.port < 65536
    return (target.host or "").strip("[]") in LOOPBACK and target.auth is None and port_ok


def _problem(status: int, message: str) -> web.Response:
    log.info("refused a Teams request: %s", message)
    return web.json_response({"error": message}, status=status)
