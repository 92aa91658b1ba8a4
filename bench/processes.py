"""Starting the benchmarks' processes: the Slack stand-in, `patronguard serve` and the bare Bolt
baseline, each its own process on loopback; and sending them signed slash commands.

Not a test and not part of PatronGuard: imported by the scripts in this folder only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from benchlib import PYTHON, REPO, free_port, repo_env

from tests.standins.slack_signing import sign_request, slash_command_body

TOKEN = "xoxb-1-bench-token"
SECRET = "0123456789abcdef0123456789abcdef"
BENCH = Path(__file__).resolve().parent
READY_TIMEOUT = 60.0


def config_text(officers: int) -> str:
    """A library with `officers` officers, each on Slack: the first is paged for every case."""
    people = "\n".join(
        f"  - name: Officer {i:02d}\n    slack_id: U0OFFICER{i:02d}\n"
        f'    phone: "+1 555 010 {i:04d}"'
        for i in range(1, officers + 1)
    )
    return f"library:\n  name: Bench Library\n  timezone: America/Chicago\nofficers:\n{people}\n"


FIRST_OFFICER = "U0OFFICER01"
CASE_ID_IN_ACK = re.compile(r"PG-[2-9A-HJ-NP-Z]{6}")


@dataclass
class Server:
    """A server process and its base URL."""

    name: str
    process: subprocess.Popen
    base: str
    started: float  # time.monotonic() just before the process was started

    @property
    def events(self) -> str:
        return f"{self.base}/slack/events"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def slack_env(api_url: str) -> dict[str, str]:
    return repo_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api_url)


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def start_serve(folder: Path, api_url: str, officers: int, db_name: str = "bench.db") -> Server:
    """`patronguard serve` as an administrator runs it, logging warnings only."""
    config = folder / "patronguard.yaml"
    config.write_text(config_text(officers), encoding="utf-8")
    port = free_port()
    args = [PYTHON, "-m", "bot", "serve", "--config", str(config), "--db", str(folder / db_name)]
    args += ["--port", str(port), "--log-level", "WARNING"]
    started = time.monotonic()
    return Server(
        "PatronGuard", spawn(args, slack_env(api_url)), f"http://127.0.0.1:{port}", started
    )


def start_bare(api_url: str) -> Server:
    port = free_port()
    args = [PYTHON, str(BENCH / "bare_bolt.py"), "--port", str(port)]
    started = time.monotonic()
    return Server("bare Bolt", spawn(args, slack_env(api_url)), f"http://127.0.0.1:{port}", started)


async def wait_ready(server: Server, timeout: float = READY_TIMEOUT, poll: float = 0.005) -> float:
    """Seconds from starting the process to its first GET /healthz answered 200."""
    deadline = time.monotonic() + timeout
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                error = server.process.stderr.read() if server.process.stderr else ""
                raise RuntimeError(f"{server.name} exited: {error.strip()[-2000:]}")
            try:
                async with session.get(f"{server.base}/healthz") as answer:
                    if answer.status == 200:
                        return time.monotonic() - server.started
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(poll)
    raise RuntimeError(f"{server.name} was not ready within {timeout:.0f} s")


class StandIn:
    """The Slack Web API stand-in, in its own process (bench/standin.py)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [PYTHON, str(BENCH / "standin.py"), "--token", TOKEN],
            cwd=REPO,
            env=repo_env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # printed once it listens
        if not line:
            raise RuntimeError("the Slack stand-in did not start")
        urls = json.loads(line)
        self.api_url: str = urls["api"]
        self.control: str = urls["control"]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()

    async def triggers(self, session: aiohttp.ClientSession, count: int) -> list[str]:
        async with session.post(f"{self.control}/triggers", params={"n": count}) as answer:
            return (await answer.json())["triggers"]

    async def calls(self, session: aiohttp.ClientSession, method: str) -> list[dict]:
        async with session.get(f"{self.control}/calls", params={"method": method}) as answer:
            return (await answer.json())["calls"]

    async def refused(self, session: aiohttp.ClientSession) -> list[dict]:
        async with session.get(f"{self.control}/refused") as answer:
            return await answer.json()

    async def first_pages(self, session: aiohttp.ClientSession, officer: str) -> dict[str, float]:
        """When each case was first named in a message to the officer's DM."""
        arrived: dict[str, float] = {}
        for call in await self.calls(session, "chat.postMessage"):
            if call["channel"] == officer:
                for case_id in call["cases"]:
                    arrived.setdefault(case_id, call["at"])
        return arrived

    async def page_times(self, session: aiohttp.ClientSession, officer: str) -> list[float]:
        calls = await self.calls(session, "chat.postMessage")
        return [c["at"] for c in calls if c["channel"] == officer]


@contextlib.asynccontextmanager
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    """The benchmark client: no cap on connections, so a burst is sent all at once."""
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        yield session


@dataclass(frozen=True)
class Ack:
    sent: float  # time.monotonic() as the request was sent
    seconds: float  # until the whole answer was read
    case_id: str  # from PatronGuard's answer; "" from the bare app


async def command(
    session: aiohttp.ClientSession, url: str, trigger: str, user: str, channel: str
) -> Ack:
    """Send one signed /records-request and read the whole answer."""
    body = slash_command_body(user_id=user, channel_id=channel, trigger_id=trigger)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign_request(body, SECRET)}
    sent = time.monotonic()
    async with session.post(url, data=body, headers=headers) as answer:
        text = await answer.text()
        seconds = time.monotonic() - sent
        if answer.status != 200:
            raise RuntimeError(f"{url} answered {answer.status}")
    found = CASE_ID_IN_ACK.search(text)
    return Ack(sent, seconds, found.group(0) if found else "")


async def burst(
    session: aiohttp.ClientSession, url: str, triggers: list[str], staff: int, channels: int
) -> list[Ack]:
    """len(triggers) commands at once, from `staff` people in `channels` channels."""
    return await asyncio.gather(
        *(
            command(session, url, trigger, f"U0STAFF{i % staff:03d}", f"C0DESK{i % channels:03d}")
            for i, trigger in enumerate(triggers)
        )
    )


async def settled(
    standin: StandIn, session: aiohttp.ClientSession, cases: set[str], timeout: float
) -> dict[str, float]:
    """Wait until every case has reached the first officer's DM; their first arrival times."""
    deadline = time.monotonic() + timeout
    while True:
        arrived = await standin.first_pages(session, FIRST_OFFICER)
        if cases <= set(arrived) or time.monotonic() > deadline:
            return arrived
        await asyncio.sleep(0.1)
