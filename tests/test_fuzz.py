"""Generated bad input to /slack/events and /api/messages: never a 500, never a stray row.

The server runs in a thread of its own, so hypothesis can drive it with plain HTTP. Every
address the bot might call back (Slack's response_url, Teams' serviceUrl) is the local
stand-in's: fuzzing never reaches anything off this machine. CI runs a bounded number of
examples; set PATRONGUARD_FUZZ_EXAMPLES for more.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
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
# Tables holding what a request could create; refs and delivery keys are bookkeeping.
CONTENT_TABLES = ("cases", "case_steps", "case_events", "pages", "demands", "retention_reviews")
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
            app = create_app(load_default_settings(), self.db_path, env)
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
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

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

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


def slack_headers(body: bytes, content_type: str, *, signed: bool) -> dict[str, str]:
    headers = {"Content-Type": content_type}
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
content_types = st.sampled_from(
    ["application/json", "application/x-www-form-urlencoded", "text/plain", "", "multipart/x"]
)


@FUZZ
@given(body=bodies, content_type=content_types, signed=st.booleans())
def test_slack_endpoint_never_500s_and_writes_nothing_for_garbage(
    server, body, content_type, signed
):
    before = server.rows()
    status = server.post("/slack/events", body, slack_headers(body, content_type, signed=signed))
    assert status < 500
    if not signed:
        assert status == 401
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
