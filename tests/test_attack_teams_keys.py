"""Forged Teams tokens against a key endpoint that never answers: only they wait.

With MICROSOFT_APP_ID set, a token naming the Bot Framework as issuer makes botbuilder fetch
Microsoft's signing keys. Its metadata URL is pointed, through botbuilder's own constant, at a
local endpoint that accepts connections and never answers. The server runs in a thread of its
own (as `patronguard serve` runs it), so the test times Slack and /healthz independently.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from botframework.connector.auth import AuthenticationConstants

from bot.teams import auth
from bot.teams.auth import KEY_FETCH_TIMEOUT
from tests.attack_harness import (
    SECURED,
    Decoy,
    KeyServer,
    ServerThread,
    forged_token,
    signed_headers,
    teams_activity,
    timed,
)

FORGED = 20
ALLOWANCE = 2.0  # seconds over the baseline, generous for a busy machine


def limit(seconds: float | None) -> aiohttp.ClientTimeout | None:
    # A frozen server fails the test as soon as the bound is missed, not at the 120 s limit.
    return None if seconds is None else aiohttp.ClientTimeout(total=seconds + 1)


async def slash_command(
    session: aiohttp.ClientSession, server: ServerThread, *, within: float | None = None
) -> tuple[int, float]:
    body = server.slash_command()
    url = server.base + "/slack/events"
    headers = signed_headers(body)
    return await timed(session, "POST", url, data=body, headers=headers, timeout=limit(within))


async def healthz(
    session: aiohttp.ClientSession, server: ServerThread, *, within: float | None = None
) -> tuple[int, float]:
    return await timed(session, "GET", server.base + "/healthz", timeout=limit(within))


async def forged(session: aiohttp.ClientSession, server: ServerThread) -> tuple[int, float]:
    token = forged_token(serviceurl=server.connector.service_url)
    return await timed(
        session,
        "POST",
        server.base + "/api/messages",
        json=teams_activity(server.connector.service_url),
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_forged_tokens_delay_nothing_but_themselves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The key endpoint closes first on the way out: a server stuck on it is then let go.
    with ServerThread(tmp_path / "pg.db", SECURED) as server:
        async with Decoy("127.0.0.1") as keys:
            metadata = f"http://127.0.0.1:{keys.port}/v1/.well-known/openidconfiguration"
            monkeypatch.setattr(
                AuthenticationConstants, "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL", metadata
            )
            timeout = aiohttp.ClientTimeout(total=KEY_FETCH_TIMEOUT + 30)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                # Usual times, measured now, on this machine.
                baseline = {"slack": 0.0, "health": 0.0}
                for _ in range(3):
                    status, took = await slash_command(session, server)
                    assert status == 200
                    baseline["slack"] = max(baseline["slack"], took)
                    status, took = await healthz(session, server)
                    assert status in (200, 503)
                    baseline["health"] = max(baseline["health"], took)
                bound = {k: v + ALLOWANCE for k, v in baseline.items()}

                # 20 forged requests at once; the key endpoint takes the fetch and stalls.
                attack = [asyncio.create_task(forged(session, server)) for _ in range(FORGED)]
                await keys.wait_for_connection(timeout=10)
                status, took = await slash_command(session, server, within=bound["slack"])
                assert status == 200 and took <= bound["slack"], (took, baseline)
                status, took = await healthz(session, server, within=bound["health"])
                assert status in (200, 503) and took <= bound["health"], (took, baseline)

                # The forged ones are refused once the fetch times out: one fetch for all.
                answers = await asyncio.wait_for(asyncio.gather(*attack), KEY_FETCH_TIMEOUT + 20)
                assert [s for s, _ in answers] == [401] * FORGED
                assert keys.connections == 1

                # The failure is remembered: 20 more are refused at once, with no new fetch.
                again = await asyncio.gather(*(forged(session, server) for _ in range(FORGED)))
                assert [s for s, _ in again] == [401] * FORGED
                assert max(t for _, t in again) <= bound["health"], again
                assert keys.connections == 1
                status, took = await slash_command(session, server, within=bound["slack"])
                assert status == 200 and took <= bound["slack"]
        assert server.count("conversation_refs") == 0
        assert server.count("cases") == 5  # the five slash commands', and only theirs
        assert server.connector.activities == []


async def test_after_a_failed_fetch_keys_are_fetched_again_once_the_pause_is_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pause = 1.0
    monkeypatch.setattr(auth, "KEY_FETCH_RETRY_AFTER", pause)
    with ServerThread(tmp_path / "pg.db", SECURED) as server:
        async with KeyServer() as keys, aiohttp.ClientSession() as session:
            monkeypatch.setattr(
                AuthenticationConstants, "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL", keys.url
            )
            keys.fail_next = 1
            here = server.connector.service_url
            token = keys.token(serviceurl=here)

            async def typing() -> int:
                activity = teams_activity(here, kind="typing")
                headers = {"Authorization": f"Bearer {token}"}
                status, _ = await timed(
                    session, "POST", server.base + "/api/messages", json=activity, headers=headers
                )
                return status

            loop = asyncio.get_running_loop()
            failed_at = loop.time()
            assert await typing() == 401  # Microsoft unavailable: refused
            statuses = [await typing()]  # a valid token, refused during the pause
            while statuses[-1] == 401:
                assert loop.time() - failed_at < pause + 10, "keys never fetched again"
                await asyncio.sleep(0.05)
                statuses.append(await typing())
            assert statuses[-1] == 201 and loop.time() - failed_at >= pause
            assert keys.fetches == 2  # one failed fetch, then one that worked: none between
            assert await typing() == 201 and keys.fetches == 2  # the keys are kept
