"""SIGKILL at random moments: after each restart every reported case exists and is paged.

Runs a bounded number of rounds in CI; set PATRONGUARD_CRASH_RUNS for more.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.standins.slack_api import SlackStandIn
from tests.standins.slack_signing import sign_request, slash_command_body

SECRET = "8f742231b10e8888abcd99yyyzzz85a5".replace("y", "1").replace("z", "2")
TOKEN = "xoxb-test-token"
OFFICER = "U0DIRECTOR"  # the first officer in the starter config
RUNS = int(os.environ.get("PATRONGUARD_CRASH_RUNS", "4"))
REPORTS_PER_RUN = 4
CASE_ID = re.compile(r"PG-[2-9A-HJ-NP-Z]{6}")
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`patronguard serve` as a real process, on a free port."""

    def __init__(self, config: Path, db: Path, api_url: str):
        self.config, self.db, self.api_url = config, db, api_url
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": self.api_url,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "serve",
                "--config",
                str(self.config),
                "--db",
                str(self.db),
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                if self.process.poll() is not None:
                    raise AssertionError("serve exited during start-up")
                try:
                    async with session.get(f"{self.url}/healthz") as response:
                        if response.status in (200, 503):
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("serve did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


async def send_report(session: aiohttp.ClientSession, server: Server, slack, user: str) -> str:
    """A signed /records-request; the case id the ack names, or '' if it got no answer."""
    body = slash_command_body(
        user_id=user, trigger_id=slack.new_trigger_id(), response_url=slack.new_response_url()
    )
    headers = {**sign_request(body, SECRET), "Content-Type": "application/x-www-form-urlencoded"}
    try:
        async with session.post(f"{server.url}/slack/events", data=body, headers=headers) as r:
            text = await r.text()
            found = CASE_ID.search(text) if r.status == 200 else None
            return found.group(0) if found else ""
    except (TimeoutError, aiohttp.ClientError):
        return ""


def stored_cases(db: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM cases")}
    finally:
        conn.close()


def paged(slack) -> dict[str, int]:
    counts: dict[str, int] = {}
    for call in slack.calls_to("chat.postMessage"):
        if call.args.get("channel") == OFFICER:
            for case_id in set(CASE_ID.findall(str(call.args))):
                counts[case_id] = counts.get(case_id, 0) + 1
    return counts


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_sigkill_at_random_moments_loses_no_case_and_no_page(tmp_path):
    config = tmp_path / "patronguard.yaml"
    assert CliRunner().invoke(cli, ["init", str(config)]).exit_code == 0
    db = tmp_path / "crash.db"
    rng = random.Random(int(os.environ.get("PATRONGUARD_CRASH_SEED", "20261121")))
    acknowledged: set[str] = set()
    async with (
        SlackStandIn(token=TOKEN) as slack,
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
    ):
        for run in range(RUNS):
            server = Server(config, db, slack.api_url)
            await server.start()
            sends = [
                asyncio.create_task(send_report(session, server, slack, f"U0STAFF{run}{i}"))
                for i in range(REPORTS_PER_RUN)
            ]
            await asyncio.sleep(rng.uniform(0.0, 0.4))
            server.kill()
            answers = await asyncio.gather(*sends)
            print(
                "run", run, "acked", sum(1 for a in answers if a), "stored", len(stored_cases(db))
            )
            acknowledged |= {case_id for case_id in answers if case_id}
            # Every report that was acknowledged to staff survived the kill.
            assert acknowledged <= stored_cases(db)

        survivor = Server(config, db, slack.api_url)
        await survivor.start()
        try:
            cases = stored_cases(db)
            assert cases, "no report got through in any run; the test proved nothing"
            for _ in range(200):
                if set(paged(slack)) >= cases:
                    break
                await asyncio.sleep(0.05)
            missing = cases - set(paged(slack))
            assert not missing, f"cases never paged after restart: {sorted(missing)}"
        finally:
            survivor.stop()


KILL_ROUNDS = int(os.environ.get("PATRONGUARD_KILL_ROUNDS", "30"))
SLOW_SLACK = 0.3  # seconds per Web API call, as the real one can take


def messages_naming(slack, channel: str) -> dict[str, int]:
    """How many new messages to `channel` name each case (a combined page names several)."""
    counts: dict[str, int] = {}
    for call in slack.calls_to("chat.postMessage"):
        if call.args.get("channel") == channel:
            for case_id in set(CASE_ID.findall(str(call.args.get("blocks")))):
                counts[case_id] = counts.get(case_id, 0) + 1
    return counts


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_sigkill_mid_delivery_neither_loses_nor_repeats_a_page(tmp_path):
    """Each round kills the server while Slack is taking a page or a card: the stand-in still
    posts it (as Slack would), and the next server must find it rather than send it again."""
    config = tmp_path / "patronguard.yaml"
    assert CliRunner().invoke(cli, ["init", str(config)]).exit_code == 0
    db = tmp_path / "kill.db"
    killed_mid_send = 0
    async with (
        SlackStandIn(token=TOKEN) as slack,
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
    ):
        slack.set_latency(SLOW_SLACK)
        for run in range(KILL_ROUNDS):
            server = Server(config, db, slack.api_url)
            await server.start()
            posting = slack.started["chat.postMessage"]
            sent = asyncio.create_task(send_report(session, server, slack, f"U0STAFF{run}"))
            try:
                # The page or the reporter's card is on its way to Slack: kill now.
                await slack.wait_started("chat.postMessage", posting + 1, timeout=15)
                killed_mid_send += 1
            finally:
                server.kill()
                await sent
        survivor = Server(config, db, slack.api_url)
        await survivor.start()
        try:
            cases = stored_cases(db)
            assert len(cases) >= KILL_ROUNDS // 2, "too few reports got through to prove much"
            for _ in range(400):
                if set(messages_naming(slack, OFFICER)) >= cases:
                    break
                await asyncio.sleep(0.05)
            await slack.wait_started("chat.postMessage", slack.started["chat.postMessage"])
        finally:
            survivor.stop()
    pages = messages_naming(slack, OFFICER)
    lost = sorted(cases - set(pages))
    repeated = sorted(c for c, n in pages.items() if n > 1)
    print(f"{KILL_ROUNDS} rounds, {killed_mid_send} killed mid-send, {len(cases)} cases")
    assert killed_mid_send == KILL_ROUNDS
    # Each killed page was looked for in the officer's DM before anything was sent again.
    assert len(slack.calls_to("conversations.history")) >= KILL_ROUNDS
    assert lost == [], f"pages lost: {lost}"
    assert repeated == [], f"pages sent twice: {repeated}"
