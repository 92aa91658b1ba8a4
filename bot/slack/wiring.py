"""Putting Slack into the server: credentials from the environment, the Bolt app, the routes.

`bot.server.create_app` reads SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN and
SLACK_API_URL with `read_credentials`, then calls `attach_slack`, which builds one Bolt
`AsyncApp` whose Web API client points at SLACK_API_URL, serves `POST /slack/events` (when a
signing secret is set, so every HTTP request is signature-checked), checks the bot token with
Slack when the server starts and, with Socket Mode, connects out to Slack while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiohttp import web
from multidict import CIMultiDictProxy
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime, StartupError, require_slack_variables
from bot.slack.app import register_listeners
from bot.slack.notifier import SlackNotifier

log = logging.getLogger("patronguard.slack")

EVENTS_PATH = "/slack/events"
DEFAULT_API_URL = "https://slack.com/api/"
API_TIMEOUT = 10  # seconds for one Web API call; a stalled Slack must not hold the pager long
RATE_LIMIT_RETRIES = 2
BOLT = web.AppKey("slack_bolt_app", AsyncApp)
BOLT_LOGGER = "patronguard.slack.bolt"
_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9-]+$")
_SECRET_CHARS = re.compile(r"^[A-Za-z0-9]{16,}$")
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
# What Slack sends: Unix seconds in ASCII digits, and "v0=" with a hex SHA-256.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


@dataclass(frozen=True)
class SlackCredentials:
    """What the environment gives the Slack channel. `repr` never shows the secrets."""

    bot_token: str
    signing_secret: str | None
    app_token: str | None
    api_url: str

    def __repr__(self) -> str:
        return f"SlackCredentials(api_url={self.api_url!r}, socket_mode={bool(self.app_token)})"


def read_credentials(env: Mapping[str, str], *, socket_mode: bool) -> SlackCredentials:
    """Read and check the Slack variables; raise StartupError naming the one to fix."""
    require_slack_variables(env, socket_mode=socket_mode)  # each one it needs is set
    bot_token = (env.get("SLACK_BOT_TOKEN") or "").strip()
    if not bot_token.startswith("xoxb-") or not _TOKEN_CHARS.match(bot_token):
        raise StartupError(
            "SLACK_BOT_TOKEN is not a bot token: it must start with xoxb- and contain no spaces. "
            "Copy the Bot User OAuth Token from your Slack app's OAuth & Permissions page "
            "(not a user token, xoxp-, nor an app-level token, xapp-)."
        )
    signing_secret = (env.get("SLACK_SIGNING_SECRET") or "").strip() or None
    if signing_secret is not None and not _SECRET_CHARS.match(signing_secret):
        raise StartupError(
            "SLACK_SIGNING_SECRET does not look like a signing secret (letters and digits, "
            "usually 32). Copy it again from your Slack app's Basic Information page."
        )
    app_token = (env.get("SLACK_APP_TOKEN") or "").strip() or None
    if app_token is not None and (
        not app_token.startswith("xapp-") or not _TOKEN_CHARS.match(app_token)
    ):
        raise StartupError(
            "SLACK_APP_TOKEN is not an app-level token: it must start with xapp-. Create "
            "one with the connections:write scope on your Slack app's Basic Information page."
        )
    return SlackCredentials(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        api_url=normalise_api_url(env.get("SLACK_API_URL")),
    )


def normalise_api_url(raw: str | None) -> str:
    """SLACK_API_URL with exactly one trailing slash (slack_sdk joins method names onto it)."""
    url = (raw or "").strip() or DEFAULT_API_URL
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or any(c.isspace() for c in url):
        raise StartupError(
            "SLACK_API_URL is not a web address. Leave it unset for Slack itself, or give the "
            "Web API base of your Slack (for GovSlack https://slack-gov.com/api/) or proxy."
        )
    return url.rstrip("/") + "/"


def configure_client(client: AsyncWebClient, credentials: SlackCredentials) -> None:
    """The Web API client Bolt made from the token: at SLACK_API_URL, with a time limit; 429
    waits for Retry-After; 5xx is left to the pager's backoff."""
    client.base_url = credentials.api_url
    client.timeout = API_TIMEOUT
    client.retry_handlers = [
        AsyncConnectionErrorRetryHandler(),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]


def attach_slack(
    app: web.Application, runtime: Runtime, credentials: SlackCredentials
) -> SlackNotifier:
    """Add Slack to the server and return the notifier the pager uses for Slack DMs.

    The bot token is checked with Slack once the server starts (see check_bot_token).
    """
    _quiet_sdk_debug_logs()
    _keep_payloads_out_of_bolt_logs()
    bolt_app = AsyncApp(
        # Bolt gives each request a logger named after the app, configured from `logger`:
        # named "patronguard", it would set PatronGuard's own logger to Bolt's level.
        name=BOLT_LOGGER,
        # The token alone: Bolt makes the client. Given a client too, Bolt would also read
        # SLACK_BOT_TOKEN from the process environment and log that the token is unused.
        token=credentials.bot_token,
        # "" rather than None: Bolt would otherwise read SLACK_SIGNING_SECRET from os.environ.
        signing_secret=credentials.signing_secret or "",
        process_before_response=False,
        request_verification_enabled=True,
        logger=logging.getLogger(BOLT_LOGGER),
    )
    client = bolt_app.client
    configure_client(client, credentials)
    register_listeners(bolt_app, runtime)
    app[BOLT] = bolt_app
    if credentials.signing_secret:
        # Without a secret nothing could be verified, so the HTTP endpoint is not served at all.
        app.router.add_post(EVENTS_PATH, _events_endpoint(bolt_app, credentials.signing_secret))
    app.on_startup.append(_open_session(client))
    app.on_startup.append(_check_token_at_start(client))
    if credentials.app_token:
        link = SocketModeLink(bolt_app, credentials.app_token)
        app.on_startup.append(link.start)
        app.on_cleanup.append(link.stop)
    app.on_cleanup.append(_close_session(client))
    return SlackNotifier(client)


def _check_token_at_start(client: AsyncWebClient):
    async def check_token(app: web.Application) -> None:
        try:
            await check_bot_token(client)
        except StartupError:
            # aiohttp skips on_cleanup when startup fails, so close what is open here.
            if client.session is not None:
                await client.session.close()
            raise

    return check_token


async def check_bot_token(client: AsyncWebClient) -> None:
    """Ask Slack (auth.test) whether it takes SLACK_BOT_TOKEN: refuse to start when it says
    no; only warn when Slack cannot be reached, since pages wait in the outbox meanwhile."""
    try:
        await client.auth_test()
    except SlackApiError as exc:
        status, error = refusal(exc)
        if status == 200:
            raise StartupError(
                f"Slack refused SLACK_BOT_TOKEN ({error}): copy the Bot User OAuth Token again "
                "from your Slack app's OAuth & Permissions page, and check that the app is "
                "still installed to the workspace."
            ) from None
        if 400 <= status < 500 and status != 429:
            raise StartupError(
                f"SLACK_API_URL answered HTTP {status} to auth.test, so it is not Slack's Web "
                "API: leave SLACK_API_URL unset for slack.com, or give your Slack's API base "
                "(for GovSlack https://slack-gov.com/api/)."
            ) from None
        log.warning(_UNREACHABLE, error)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        log.warning(_UNREACHABLE, type(exc).__name__)


def refusal(exc: SlackApiError) -> tuple[int, str]:
    """The HTTP status and Slack's error code (or the status, when a proxy answered HTML)."""
    status = exc.response.status_code if exc.response is not None else 0
    data = exc.response.data if exc.response is not None else None
    said = data.get("error") if isinstance(data, dict) else None
    return status, str(said) if said else f"HTTP {status}"


_UNREACHABLE = (
    "slack: could not reach Slack to check SLACK_BOT_TOKEN (%s); starting anyway: pages wait "
    "in the outbox and go out when Slack answers"
)


def _quiet_sdk_debug_logs() -> None:
    # At DEBUG, Bolt and slack_sdk log whole payloads, including what staff typed: never that.
    for name in (BOLT_LOGGER, "slack_bolt", "slack_sdk"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


class BoltPayloadFilter(logging.Filter):
    """Bolt writes request payloads and error texts into its messages: an unhandled request is
    logged with its command and text, CR and LF included. Only messages known to carry
    neither pass as they are; the others are replaced by what they were about."""

    SAFE = (
        re.compile(r"[\w.<>]+ didn't call ack\(\)"),
        re.compile(r"auth\.test API call result is unexpectedly None"),
    )
    REPLACEMENTS = (
        ("Unhandled request", "slack: a signed request matched no listener"),
        ("A global middleware", "slack: a Bolt middleware neither answered nor passed a request"),
        ("Failed to run listener function", "slack: a Bolt listener failed"),
        ("Failed to authorize", "slack: Bolt could not authorize a request"),
    )
    WITHHELD = "slack: Bolt reported a problem (its text is withheld: it can quote the request)"

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not any(safe.fullmatch(message) for safe in self.SAFE):
            summary = next((s for p, s in self.REPLACEMENTS if message.startswith(p)), None)
            record.msg, record.args = summary or self.WITHHELD, None
        return True


_BOLT_FILTER = BoltPayloadFilter()


def _keep_payloads_out_of_bolt_logs() -> None:
    # Bolt copies the app logger's filters to the loggers of its parts when the app is built.
    logger = logging.getLogger(BOLT_LOGGER)
    if _BOLT_FILTER not in logger.filters:
        logger.addFilter(_BOLT_FILTER)


def _events_endpoint(bolt_app: AsyncApp, signing_secret: str):
    verifier = SignatureVerifier(signing_secret)

    async def slack_events(request: web.Request) -> web.Response:
        """Events, slash commands and interactivity, at one URL.

        The signature is checked on the raw bytes before anything is parsed (Bolt checks it
        again), so an unsigned request is a 401 whatever it holds. A signed request that is
        not a payload Slack would send is a 400, never a 500.
        """
        try:
            body = (await request.read()).decode("utf-8")
        except UnicodeDecodeError:
            body = None  # Slack only sends UTF-8; nothing else can carry a valid signature
        if body is None or not _is_signed(verifier, body, request.headers):
            if body is not None and _is_ssl_check(body):
                return web.Response(status=200)  # Slack's unsigned certificate probe
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            headers: dict[str, str | Sequence[str]] = {
                name: request.headers.getall(name) for name in request.headers
            }
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=headers)
        except Exception as exc:  # broken JSON or form data, an impossible shape
            log.warning("slack: unreadable signed request (%s)", type(exc).__name__)
            return web.json_response({"error": "unreadable request"}, status=400)
        if not _names_its_actor(bolt_request.body):
            log.warning("slack: a signed request named nobody as its user; refused")
            return web.json_response({"error": "the request does not name its user"}, status=400)
        bolt_response = await bolt_app.async_dispatch(bolt_request)
        if bolt_response.status >= 500:
            # Bolt answers 500 when its own parsing trips on a payload Slack never sends.
            log.warning("slack: request not handled (bolt status %s)", bolt_response.status)
            return web.json_response({"error": "unhandled request"}, status=400)
        return await to_aiohttp_response(bolt_response)

    return slack_events


def _names_its_actor(body: object) -> bool:
    """A command or interaction names the person acting by a non-empty text id; events need
    not (a bot's or Slack's own event has none, and is ignored further on)."""
    if not isinstance(body, dict):
        return False
    if "command" in body:
        user = body.get("user_id")
    elif "type" in body and body.get("type") not in ("event_callback", "url_verification"):
        user = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else None
    else:
        return True
    return isinstance(user, str) and bool(user.strip())


def _is_signed(verifier: SignatureVerifier, body: str, headers: CIMultiDictProxy[str]) -> bool:
    """One well-formed timestamp and one well-formed signature, and the signature matches.

    slack_sdk raises on a timestamp that is not an integer and on a non-ASCII signature, and
    Bolt reads the first of repeated headers where slack_sdk reads the last: so the headers
    are checked here first, and anything but exactly one of each is refused.
    """
    timestamps = headers.getall(TIMESTAMP_HEADER, [])
    signatures = headers.getall(SIGNATURE_HEADER, [])
    if len(timestamps) != 1 or len(signatures) != 1:
        return False
    timestamp, signature = timestamps[0], signatures[0]
    if not (_TIMESTAMP.fullmatch(timestamp) and _SIGNATURE.fullmatch(signature)):
        return False
    try:
        return verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
    except (ValueError, TypeError):  # a refusal, whatever slack_sdk finds wrong
        return False


def _is_ssl_check(body: str) -> bool:
    try:
        return parse_qs(body).get("ssl_check") == ["1"]
    except ValueError:
        return False


def _open_session(client: AsyncWebClient):
    async def open_session(app: web.Application) -> None:
        # One pooled session for every Web API call; slack_sdk otherwise opens one per call.
        # With a session of its own, slack_sdk takes the timeout from the session.
        timeout = aiohttp.ClientTimeout(total=API_TIMEOUT)
        client.session = aiohttp.ClientSession(timeout=timeout)

    return open_session


def _close_session(client: AsyncWebClient):
    async def close_session(app: web.Application) -> None:
        if client.session is not None:
            await client.session.close()

    return close_session


class SocketModeLink:
    """Socket Mode for the server's lifetime: the app token checked at startup, then connected
    in the background (slack_sdk retries a lost or failed connection on its own), so the
    pager and /healthz run even while Slack is unreachable."""

    def __init__(self, bolt_app: AsyncApp, app_token: str):
        self.handler = AsyncSocketModeHandler(bolt_app, app_token=app_token)
        self.client = bolt_app.client
        self.app_token = app_token
        self._task: asyncio.Task | None = None

    async def start(self, app: web.Application) -> None:
        try:
            await self._check_token()
        except StartupError:
            # aiohttp skips on_cleanup when startup fails, so close what is open here.
            await self.handler.close_async()
            if self.client.session is not None:
                await self.client.session.close()
            raise
        self._task = asyncio.create_task(self.handler.connect_async())

    async def stop(self, app: web.Application) -> None:
        await self.handler.close_async()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _check_token(self) -> None:
        """Refuse to start on a token Slack rejects; only warn when Slack cannot be reached."""
        try:
            # Issues a one-time connection URL, left unused: slack_sdk asks for its own.
            await self.client.apps_connections_open(app_token=self.app_token)
        except SlackApiError as exc:
            status, error = refusal(exc)
            if status < 500 and error != "ratelimited":
                raise StartupError(
                    f"Slack refused the Socket Mode connection ({error}). Check "
                    "SLACK_APP_TOKEN: an app-level token with the connections:write scope, "
                    "from the same app as SLACK_BOT_TOKEN."
                ) from None
            log.warning("slack: Socket Mode not reachable yet (%s); retrying", error)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("slack: Socket Mode not reachable yet (%s); retrying", type(exc).__name__)
