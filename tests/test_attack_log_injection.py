"""Log injection: signed requests carrying CR, LF and ANSI escapes write nothing of theirs.

Logging is configured as `patronguard serve` configures it (text and JSON), the server runs
as serve runs it, and the requests go over real HTTP, signed as Slack signs them.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.logging_setup import QUIET_LOGGERS, configure
from tests.attack_harness import ServerThread, signed_headers
from tests.standins.slack_signing import event_body, interaction_body

MARK = "FORGED"  # in every hostile value: it must not reach the log, escaped or not
HOSTILE = f"x\r\n2026-01-01 00:00:00,000 ERROR patronguard {MARK}\x1b[2J\x1b[31m\u2028\u202e"
TEXT_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \S+ ")
UNHANDLED = "slack: a signed request matched no listener"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    quiet = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)
    logging.captureWarnings(False)


def hostile_requests(server: ServerThread) -> list[bytes]:
    """Slash commands, a button and an event, each unhandled or handled, carrying HOSTILE."""
    action = {
        "type": "block_actions",
        "user": {"id": "U0STAFF1", "team_id": "T0001"},
        "team": {"id": "T0001"},
        "api_app_id": "A0001",
        "trigger_id": server.slack.new_trigger_id(),
        "response_url": server.slack.new_response_url(),
        "actions": [{"action_id": HOSTILE, "value": HOSTILE, "type": "button", "block_id": "b"}],
    }
    event = {"type": "app_mention", "user": "U0STAFF1", "text": HOSTILE, "channel": "C0DESK"}
    return [
        server.slash_command(HOSTILE, command="/" + HOSTILE),  # Bolt: "Unhandled request"
        server.slash_command(HOSTILE, command="/other-command"),
        server.slash_command("help " + HOSTILE),
        server.slash_command(HOSTILE),
        interaction_body(action),
        event_body(event, event_id="Ev" + str(time.time_ns())),
    ]


async def attack(server: ServerThread, stream: io.StringIO) -> list[int]:
    statuses = []
    async with aiohttp.ClientSession() as session:
        for body in hostile_requests(server):
            content_type = "application/json" if body.startswith(b"{") else None
            headers = signed_headers(body)
            if content_type:
                headers["Content-Type"] = content_type
            async with session.post(server.base + "/slack/events", data=body, headers=headers) as r:
                statuses.append(r.status)
    # The access line comes after the answer: once all are there, so is everything else.
    deadline = asyncio.get_running_loop().time() + 10
    while stream.getvalue().count("POST /slack/events") < len(statuses):
        assert asyncio.get_running_loop().time() < deadline, "access log lines missing"
        await asyncio.sleep(0.02)
    return statuses


def assert_clean(log: str) -> None:
    assert MARK not in log and "2026-01-01" not in log
    for char in ("\r", "\x1b", "\u2028", "\u202e"):
        assert char not in log, repr(char)
    assert UNHANDLED in log  # the Bolt warning was replaced, not lost


@pytest.mark.usefixtures("restore_logging")
async def test_text_log_has_one_line_per_record_and_nothing_from_the_requests(
    tmp_path: Path,
) -> None:
    stream = io.StringIO()
    with ServerThread(tmp_path / "pg.db") as server:
        configure("text", "INFO", stream=stream)
        statuses = await attack(server, stream)
    log = stream.getvalue()
    assert all(status < 500 for status in statuses), statuses
    assert_clean(log)
    lines = log.splitlines()
    # A record's own exception summary is the only continuation line a text record has.
    assert all(TEXT_LINE.match(line) or line.startswith("  ") for line in lines), lines


@pytest.mark.usefixtures("restore_logging")
async def test_json_log_lines_parse_and_hold_nothing_from_the_requests(tmp_path: Path) -> None:
    stream = io.StringIO()
    with ServerThread(tmp_path / "pg.db") as server:
        configure("json", "INFO", stream=stream)
        statuses = await attack(server, stream)
    log = stream.getvalue()
    assert all(status < 500 for status in statuses), statuses
    records = [json.loads(line) for line in log.splitlines()]
    messages = "\n".join(r["message"] for r in records)
    assert_clean(messages)
    assert_clean(log)
    assert any(r["message"] == UNHANDLED and r["level"] == "WARNING" for r in records)


def test_control_characters_are_escaped_in_both_formats(restore_logging: None) -> None:
    for fmt in ("text", "json"):
        stream = io.StringIO()
        configure(fmt, "INFO", stream=stream)  # type: ignore[arg-type]
        logging.getLogger("patronguard.test").warning("kind %s", "a\r\nb\x1b[31m\u2028\x7f\t")
        [line] = stream.getvalue().splitlines()
        message = json.loads(line)["message"] if fmt == "json" else line
        assert message.endswith("kind a\\r\\nb\\x1b[31m\\u2028\\x7f\\t"), (fmt, line)
