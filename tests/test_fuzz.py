"""Generated bad input to /slack/events and /api/messages: never a 500, never a stray row.

The server runs in a thread of its own, so hypothesis can drive it with plain HTTP. Every
address the bot might call back (Slack's response_url, Teams' serviceUrl) is the local
stand-in's: fuzzing never reaches anything off this machine. CI runs a bounded number of
examples; set PATRONGUARD_FUZZ_EXAMPLES for more.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import sqlite3
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import load_default_settings
from bot.server import MAX_BODY, create_app
from handlers import views
from tests.standins.slack_api import SlackStandIn
from tests.standins.slack_signing import sign_request
from tests.standins.teams_connector import TENANT_ID, ConnectorStandIn

TOKEN = "xoxb-1-fuzz"
SECRET = "0123456789abcdef0123456789abcdef"
EXAMPLES = int(os.environ.get("PATRONGUARD_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TS, SIG = "X-Slack-Request-Timestamp", "X-Slack-Signature"
# Tables holding what a request could create; refs and delivery keys are bookkeeping.
CONTENT_TABLES = ("cases", "case_steps", "case_events", "pages", "demands", "retention_reviews")
Headers = dict[str, str] | list[tuple[str, str]]
USERS = ["U0STAFF1", "U0NOBODY", "U0DIRECTOR", "W0GUEST", "", "U0" + "A" * 300]
NOT_REPORT = [a for a in views.ACTIONS if a != views.REPORT]


class LiveServer:
    """Stand-ins and the real app (Slack and Teams on) on a loop in a background thread."""

    def __init__(self, db_path: Path):
        self.db_path = db_path
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self.stop = asyncio.Event()
        async with SlackStandIn(token=TOKEN) as slack, ConnectorStandIn() as connector:
            self.slack, self.connector = slack, connector
            env = {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.api_url,
            }
            app = create_app(load_default_settings(), self.db_path, env, teams=True)
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.host, self.port = "127.0.0.1", runner.addresses[0][1]
            self.ready.set()
            await self.stop.wait()
            await runner.cleanup()

    def start(self) -> LiveServer:
        self.thread.start()
        assert self.ready.wait(30), "server did not start"
        return self

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(30)

    def response_url(self) -> str:
        return self.slack.new_response_url()

    def post(self, path: str, body: bytes, headers: Headers) -> int:
        """POST exactly these headers (repeated or absent ones too) and Content-Length."""
        items = list(headers.items()) if isinstance(headers, dict) else list(headers)
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.putrequest("POST", path, skip_accept_encoding=True)
            for name, value in items:
                connection.putheader(name, value.encode("latin-1"))
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            return connection.getresponse().status
        finally:
            connection.close()

    def rows(self) -> dict[str, int]:
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            return {
                t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CONTENT_TABLES
            }
        finally:
            conn.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("fuzz") / "patronguard.db").start()
    yield live
    live.close()


def slack_headers(body: bytes, content_type: str | None, *, signed: bool) -> dict[str, str]:
    headers = {} if content_type is None else {"Content-Type": content_type}
    if signed:
        headers.update(sign_request(body, SECRET))
    else:
        headers.update(
            {
                "X-Slack-Request-Timestamp": str(int(time.time())),
                "X-Slack-Signature": "v0=" + "0" * 64,
            }
        )
    return headers


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
case_ids = st.one_of(
    st.from_regex(r"PG-[2-9A-Z]{6}", fullmatch=True),
    st.from_regex(r"PG-[2-9A-Z]{6}:[a-z_]{1,20}", fullmatch=True),
    st.text(max_size=80),
)
bodies = st.one_of(
    st.binary(max_size=3000),
    st.text(max_size=2000).map(str.encode),
    json_values.map(lambda v: json.dumps(v).encode()),
)
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "text/plain",
    "",
    "multipart/x",
    "application/json; charset=latin-1",
]
content_types = st.sampled_from(CONTENT_TYPES)
# Absent, once, or repeated (the same or two different values).
content_type_headers = st.lists(st.sampled_from(CONTENT_TYPES), max_size=2).map(
    lambda values: [("Content-Type", v) for v in values]
)
# Timestamps and signatures Slack never sends: slack_sdk raised on several of these (a 500).
HOSTILE_TIMESTAMPS = [
    "",
    "abc",
    "1700000000.5",
    "9" * 5000,
    "-1700000000",
    "+1700000000",
    "1_700_000_000",
    "0x6553f100",
    "1e9",
    "\u00b2",  # a superscript digit: str.isdigit() says yes, int() says no
    "\u00e9",
    "99999999999999999999999",
    "0",
]
HOSTILE_SIGNATURES = [
    "",
    "v0=",
    "v0=" + "0" * 64,
    "v0=" + "g" * 64,
    "v1=" + "0" * 64,
    "v0=" + "0" * 63 + "\u00e9",  # non-ASCII: hmac.compare_digest raised TypeError
    "\u00e9" * 10,
    "v0=" + "0" * 6000,
]
printable_ascii = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=80
)
hostile_timestamps = st.sampled_from(HOSTILE_TIMESTAMPS) | printable_ascii
hostile_signatures = st.sampled_from(HOSTILE_SIGNATURES) | printable_ascii
# How a request carries one of the two headers: "valid" is what Slack would send.
HEADER_SHAPES = ["valid", "absent", "hostile", "valid+hostile", "hostile+valid", "valid+valid"]


@FUZZ
@given(body=bodies, content_type=content_type_headers, signed=st.booleans())
def test_slack_endpoint_never_500s_and_writes_nothing_for_garbage(
    server, body, content_type, signed
):
    headers = [*content_type, *slack_headers(body, None, signed=signed).items()]
    before = server.rows()
    status = server.post("/slack/events", body, headers)
    assert status < 500
    if len(content_type) > 1:
        assert status == 400  # aiohttp refuses a repeated Content-Type before any handler
    elif not signed:
        assert status == 401
    assert server.rows() == before


def shaped(name: str, shape: str, valid: str, hostile: str) -> list[tuple[str, str]]:
    values = {"valid": [valid], "absent": [], "hostile": [hostile]}.get(shape)
    if values is None:
        values = [valid if part == "valid" else hostile for part in shape.split("+")]
    return [(name, value) for value in values]


@FUZZ
@given(
    timestamp_shape=st.sampled_from(HEADER_SHAPES),
    signature_shape=st.sampled_from([*HEADER_SHAPES, "stale"]),
    bad_timestamp=hostile_timestamps,
    bad_signature=hostile_signatures,
    content_type=content_type_headers,
    body=st.one_of(st.just(b""), bodies),
)
def test_slack_malformed_signature_headers_are_401_never_500(
    server, timestamp_shape, signature_shape, bad_timestamp, bad_signature, content_type, body
):
    """Timestamp and signature headers absent, malformed, repeated: 401 unless exactly right."""
    if signature_shape == "stale":  # correctly signed, six minutes ago
        valid = sign_request(body, SECRET, int(time.time()) - 360)
    else:
        valid = sign_request(body, SECRET)
    headers = [
        *content_type,
        *shaped("X-Slack-Request-Timestamp", timestamp_shape, valid[TS], bad_timestamp),
        *shaped(
            "X-Slack-Signature",
            "valid" if signature_shape == "stale" else signature_shape,
            valid[SIG],
            bad_signature,
        ),
    ]
    before = server.rows()
    status = server.post("/slack/events", body, headers)
    assert status < 500
    exactly_right = timestamp_shape == "valid" and signature_shape == "valid"
    ssl_check = urllib.parse.parse_qs(body.decode("latin-1")).get("ssl_check") == ["1"]
    if len(content_type) > 1:
        assert status == 400  # aiohttp refuses a repeated Content-Type before any handler
    elif not (exactly_right or ssl_check):
        assert status == 401, (timestamp_shape, signature_shape, bad_timestamp[:20])
    assert server.rows() == before


@FUZZ
@given(
    user=st.sampled_from(USERS),
    action_id=st.one_of(st.sampled_from(NOT_REPORT), st.text(max_size=30)),
    value=case_ids,
    kind=st.sampled_from(["block_actions", "view_submission", "shortcut", "nonsense"]),
    extra=st.dictionaries(st.text(max_size=10), json_values, max_size=3),
)
def test_slack_actions_on_unknown_or_foreign_cases_are_refused_politely(
    server, user, action_id, value, kind, extra
):
    payload: dict[str, Any] = {
        **extra,
        "type": kind,
        "user": {"id": user, "team_id": "T0001"},
        "team": {"id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": server.slack.new_trigger_id(),
        "response_url": server.response_url(),
        "channel": {"id": "D0FUZZ"},
        "container": {"type": "message", "message_ts": "1700000000.000100"},
        "actions": [
            {
                "action_id": action_id,
                "value": value,
                "type": "button",
                "block_id": "b",
                "action_ts": str(time.time()),
            }
        ],
        "view": {"callback_id": action_id, "private_metadata": value, "state": {"values": {}}},
        "callback_id": action_id,
    }
    body = ("payload=" + urllib.parse.quote(json.dumps(payload))).encode()
    before = server.rows()
    status = server.post(
        "/slack/events",
        body,
        slack_headers(body, "application/x-www-form-urlencoded", signed=True),
    )
    assert status < 500
    assert server.rows() == before


def teams_activity(server: LiveServer, **fields: Any) -> dict[str, Any]:
    return {
        "channelId": "msteams",
        "serviceUrl": server.connector.service_url,
        "recipient": {"id": "28:bot", "name": "PatronGuard"},
        "channelData": {"tenant": {"id": TENANT_ID}},
        **fields,
    }


@FUZZ
@given(body=bodies, content_type=content_types)
def test_teams_endpoint_never_500s_on_garbage(server, body, content_type):
    before = server.rows()
    status = server.post("/api/messages", body, {"Content-Type": content_type})
    assert status < 500
    assert server.rows() == before


@FUZZ
@given(
    activity_type=st.sampled_from(["message", "invoke", "conversationUpdate", "typing", "x"]),
    user=st.sampled_from(["29:1staff-desk", "29:1nobody", "", "29:" + "x" * 200]),
    action=st.one_of(st.sampled_from(NOT_REPORT), st.text(max_size=30)),
    value=case_ids,
    conversation_type=st.sampled_from(["personal", "channel", "groupChat", None]),
    extra=st.dictionaries(st.text(max_size=10), json_values, max_size=3),
)
def test_teams_card_submits_on_unknown_or_foreign_cases_are_refused_politely(
    server, activity_type, user, action, value, conversation_type, extra
):
    activity = teams_activity(
        server,
        type=activity_type,
        id=f"1{time.monotonic_ns()}",
        **{"from": {"id": user, "name": "Fuzz"}},
        conversation={
            "id": f"a:1fuzz-{abs(hash(user))}",
            "conversationType": conversation_type,
            "tenantId": TENANT_ID,
        },
        value={
            **{k: v for k, v in extra.items() if k not in ("action", "value")},
            "action": action,
            "value": value,
        },
    )
    before = server.rows()
    status = server.post(
        "/api/messages", json.dumps(activity).encode(), {"Content-Type": "application/json"}
    )
    assert status < 500
    assert server.rows() == before


def test_bodies_over_the_limit_are_refused_before_parsing(server):
    huge = b"payload=" + b"x" * (MAX_BODY + 1)
    before = server.rows()
    slack = server.post(
        "/slack/events", huge, slack_headers(huge, "application/x-www-form-urlencoded", signed=True)
    )
    teams = server.post("/api/messages", huge, {"Content-Type": "application/json"})
    assert (slack, teams) == (413, 413)
    assert server.rows() == before
