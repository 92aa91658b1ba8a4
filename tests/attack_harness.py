"""The real server for the attack tests, on an event loop in a thread of its own.

`bot.server.serve_app` (what `patronguard serve` runs, slow-header guard included) serves
`bot.server.create_app` with Slack and Teams on, against the local stand-ins. Because the
server has its own loop, a test's client keeps time independently: it can tell whether one
request held up the others, or whether the server froze.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import aiohttp
import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bot.config import load_default_settings
from bot.server import HEADER_TIMEOUT, create_app, serve_app
from tests.standins.slack_api import SlackStandIn
from tests.standins.slack_signing import sign_request, slash_command_body
from tests.standins.teams_connector import ConnectorStandIn

TOKEN = "xoxb-1-attack"
SECRET = "0123456789abcdef0123456789abcdef"
STAFF = "U0STAFF1"
START_WITHIN = 30.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class ServerThread:
    """`with ServerThread(db_path, env) as server:` then talk to `server.base` over HTTP."""

    def __init__(
        self,
        db_path: Path,
        env: Mapping[str, str] | None = None,
        *,
        header_timeout: float = HEADER_TIMEOUT,
    ) -> None:
        self.db_path = db_path
        self.extra_env = dict(env or {})
        self.header_timeout = header_timeout
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.ready = threading.Event()
        self.failure: BaseException | None = None
        self.slack: SlackStandIn
        self.connector: ConnectorStandIn

    def __enter__(self) -> ServerThread:
        self.thread.start()
        if not self.ready.wait(START_WITHIN):
            raise AssertionError("the stand-ins did not start")
        if self.failure is not None:
            raise self.failure
        deadline = time.monotonic() + START_WITHIN
        while not self._listening():
            if self.failure is not None:
                raise self.failure
            if time.monotonic() > deadline:
                raise AssertionError("the server did not start listening")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(START_WITHIN)
        assert not self.thread.is_alive(), "the server did not stop"

    def _listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to the test thread by __enter__
            self.failure = exc
            self.ready.set()
        finally:
            self.loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with SlackStandIn(token=TOKEN) as slack, ConnectorStandIn() as connector:
            self.slack, self.connector = slack, connector
            env = {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.api_url,
                **self.extra_env,
            }
            app = create_app(load_default_settings(), self.db_path, env, teams=True)
            self.ready.set()
            await serve_app(
                app, "127.0.0.1", self.port, stop=self._stop, header_timeout=self.header_timeout
            )

    # -- what a client sees --------------------------------------------------------------

    def slash_command(self, text: str = "", *, command: str = "/records-request") -> bytes:
        """A slash command body with this server's stand-in as its response_url."""
        return slash_command_body(
            command=command,
            text=text,
            user_id=STAFF,
            trigger_id=self.slack.new_trigger_id(),
            response_url=self.slack.new_response_url(),
        )

    def count(self, table: str) -> int:
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            conn.close()


def signed_headers(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/x-www-form-urlencoded", **sign_request(body, SECRET)}


async def timed(
    session: aiohttp.ClientSession, method: str, url: str, **kwargs: object
) -> tuple[int, float]:
    """(status, seconds) of one request."""
    started = time.monotonic()
    async with session.request(method, url, **kwargs) as response:  # type: ignore[arg-type]
        await response.read()
        return response.status, time.monotonic() - started


class Decoy:
    """A TCP listener standing in for an attacker's target: it only counts connections."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> Decoy:
        self._server = await asyncio.start_server(self._accept, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for writer in self._writers:
            writer.close()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)  # held open, never answered
        await reader.read()

    async def wait_for_connection(self, timeout: float) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while self.connections == 0:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"nothing connected to {self.host}:{self.port}")
            await asyncio.sleep(0.02)


# -- Teams: activities and Bot Framework tokens ------------------------------------------

APP_ID = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
TENANT = "0b0c0d0e-1a2b-4c3d-8e9f-a0b1c2d3e4f5"
SECURED = {
    "MICROSOFT_APP_ID": APP_ID,
    "MICROSOFT_APP_PASSWORD": "not-a-real-secret",
    "MICROSOFT_APP_TENANT_ID": TENANT,
}
CHANNEL_ISSUER = "https://api.botframework.com"
EMULATOR_ISSUER = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"
TEAMS_USER = "29:1staff-desk"


def teams_activity(service_url: object, *, kind: str = "message") -> dict[str, object]:
    """A personal-chat activity from TEAMS_USER; serviceUrl left out when None."""
    activity: dict[str, object] = {
        "type": kind,
        "id": f"1{time.time_ns()}",
        "channelId": "msteams",
        "from": {"id": TEAMS_USER, "name": "Desk"},
        "recipient": {"id": "28:bot", "name": "PatronGuard"},
        "conversation": {"id": "a:1personal-desk", "conversationType": "personal"},
        "channelData": {"tenant": {"id": "00000000-0000-0000-0000-0000000000aa"}},
    }
    if kind == "message":
        activity["text"] = "help"
    if kind == "conversationUpdate":
        activity["membersAdded"] = [{"id": "28:bot"}]
    if service_url is not None:
        activity["serviceUrl"] = service_url
    return activity


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged_token(**claims: object) -> str:
    """A JWT naming the Bot Framework as issuer, with a signature no key will verify."""
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": "forged-key"}
    body = {"iss": CHANNEL_ISSUER, "aud": APP_ID, "nbf": now - 60, "exp": now + 600, **claims}
    parts = (json.dumps(header).encode(), json.dumps(body).encode(), b"not-a-signature")
    return ".".join(_b64(part) for part in parts)


class KeyServer:
    """Microsoft's OpenID metadata and key set, served locally, with a key to sign tokens."""

    KID = "local-test-key"

    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.url = ""
        self.fetches = 0  # metadata requests served or failed
        self.fail_next = 0  # metadata requests to answer with a 503
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> KeyServer:
        app = web.Application()
        app.router.add_get("/openid", self._metadata)
        app.router.add_get("/keys", self._keys)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self.url = self.base + "/openid"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def _metadata(self, request: web.Request) -> web.Response:
        self.fetches += 1
        if self.fail_next:
            self.fail_next -= 1
            return web.json_response({"error": "unavailable"}, status=503)
        return web.json_response({"issuer": CHANNEL_ISSUER, "jwks_uri": self.base + "/keys"})

    async def _keys(self, request: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.KID, "use": "sig", "endorsements": ["msteams"]})
        return web.json_response({"keys": [jwk]})

    def token(self, **claims: object) -> str:
        """A token signed with the served key: a channel token unless the claims say else."""
        now = int(time.time())
        body = {"iss": CHANNEL_ISSUER, "aud": APP_ID, "nbf": now - 60, "exp": now + 600, **claims}
        return jwt.encode(body, self.private_key, algorithm="RS256", headers={"kid": self.KID})


async def eventually(condition: Callable[[], bool], *, timeout: float = 10.0) -> None:
    """Wait until `condition()` holds (checked from this loop; the server has its own)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout} s")
        await asyncio.sleep(0.02)
