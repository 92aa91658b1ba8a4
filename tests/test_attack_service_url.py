"""SSRF through serviceUrl: a refused URL is never stored and never contacted.

The bot stores an activity's serviceUrl and calls it back. Hostile URLs point at a decoy
listening on 127.0.0.2 (a loopback address, but not one the Emulator uses) wherever the URL
can name a port, so a connection made anyway would be counted. The server runs as
`patronguard serve` runs it, over real HTTP.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from botframework.connector.auth import AuthenticationConstants

from tests.attack_harness import (
    APP_ID,
    EMULATOR_ISSUER,
    SECURED,
    Decoy,
    KeyServer,
    ServerThread,
    eventually,
    teams_activity,
)

DECOY_HOST = "127.0.0.2"


def hostile_urls(decoy: int, local: int) -> list[object]:
    """serviceUrls an attacker could send; `decoy` and `local` are ports on 127.0.0.2 and
    127.0.0.1 (the Connector stand-in, which must not be called through a malformed URL)."""
    d, here = f"{DECOY_HOST}:{decoy}", f"127.0.0.1:{local}"
    return [
        # user-info and backslashes: urlsplit and urllib3 disagree on the host
        f"http://{d}\\@127.0.0.1/",
        f"http://{d}\\@{here}/",
        f"http://127.0.0.1:80@{d}/",
        f"http://user:pass@{here}/",
        f"http://{here}@{d}/",
        f"http:/\\{d}/",
        f"http:\\\\{d}/",
        # percent-encoded hosts
        f"http://%31%32%37.0.0.2:{decoy}/",
        f"http://127.0.0.1%40{d}/",
        f"http://127.0.0.1%2e:{local}/",
        f"http://[::1%25lo]:{local}/",
        # IPv6 forms
        f"http://[::ffff:{DECOY_HOST}]:{decoy}/",
        f"http://[::ffff:7f00:2]:{decoy}/",
        f"http://[0:0:0:0:0:0:0:1]:{local}/",
        f"http://[::]:{local}/",
        f"http://[::ffff:127.0.0.1]:{local}/",
        # names that only look local
        "http://localhost.evil.example/",
        f"http://localhost.evil.example:{decoy}/",
        "http://127.0.0.1.nip.io/",
        f"http://127.0.0.2.nip.io:{decoy}/",
        # other spellings of an address
        f"http://2130706434:{decoy}/",
        f"http://2130706433:{local}/",
        f"http://0x7f000002:{decoy}/",
        f"http://0177.0.0.2:{decoy}/",
        f"http://127.2:{decoy}/",
        f"http://{d}/",
        # scheme, case, trailing dot
        f"HTTP://{here}/",
        f"Http://{here}/",
        f"http://LOCALHOST:{local}/",
        f"ftp://{here}/",
        "file:///etc/passwd",
        f"//{d}/",
        f"http:{d}/",
        f"http://localhost.:{local}/",
        f"http://127.0.0.1.:{local}/",
        # ports
        f"http://{here}:{decoy}/",
        "http://127.0.0.1:0/",
        "http://127.0.0.1:99999/",
        "http://127.0.0.1:-1/",
        f"http://127.0.0.1: {local}/",
        f"http://127.0.0.1:0{local}/",
        # whitespace, controls, query and fragment tricks
        f" http://{here}/",
        f"http://{here}/ ",
        f"http://127.0.0.1\t.evil.example:{local}/",
        f"http://127.0.0.1\n:{local}/",
        f"http://{here}/\x00",
        f"http://{d}#@127.0.0.1/",
        f"http://{d}?@127.0.0.1/",
        f"http://{here}/?next=http://{d}/",
        "http://127.0.0.1\u3002evil.example/",
        "",
        # not a string at all
        2130706433,
        ["http://127.0.0.1/"],
        {"url": f"http://{here}/"},
    ]


async def post(
    session: aiohttp.ClientSession, url: str, activity: dict[str, object], token: str = ""
) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.post(url + "/api/messages", json=activity, headers=headers) as response:
        await response.read()
        return response.status


async def test_emulator_mode_refuses_every_hostile_service_url(tmp_path: Path) -> None:
    with ServerThread(tmp_path / "pg.db") as server:
        async with Decoy(DECOY_HOST) as decoy, aiohttp.ClientSession() as session:
            local = int(server.connector.service_url.rsplit(":", 1)[1].strip("/"))
            urls = hostile_urls(decoy.port, local)
            outcomes: Counter[int] = Counter()
            for url in urls:
                for kind in ("conversationUpdate", "message"):
                    status = await post(session, server.base, teams_activity(url, kind=kind))
                    outcomes[status] += 1
                    expected = (401,) if isinstance(url, str) else (400, 401)
                    assert status in expected, (url, kind, status)
            assert server.count("conversation_refs") == 0
            assert decoy.connections == 0
            assert server.connector.activities == []
            assert sum(outcomes.values()) == 2 * len(urls)

            # The Emulator itself is still served, remembered and answered.
            legit = teams_activity(server.connector.service_url, kind="message")
            assert await post(session, server.base, legit) in (200, 201)
            assert server.count("conversation_refs") == 1
            await eventually(lambda: bool(server.connector.of_kind("reply")))


@pytest.fixture
async def keys(monkeypatch: pytest.MonkeyPatch):
    """Microsoft's key endpoints, local: botbuilder's own metadata constants point at it."""
    async with KeyServer() as served:
        for name in (
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL",
            "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL",
        ):
            monkeypatch.setattr(AuthenticationConstants, name, served.url)
        yield served


async def test_with_an_app_id_only_the_service_url_the_token_names_is_served(
    tmp_path: Path, keys: KeyServer
) -> None:
    with ServerThread(tmp_path / "pg.db", SECURED) as server:
        async with Decoy(DECOY_HOST) as decoy, aiohttp.ClientSession() as session:
            here = server.connector.service_url
            there = f"http://{DECOY_HOST}:{decoy.port}/"
            emulator_v2 = (
                "https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0"
            )
            attempts = [
                # botbuilder refuses these itself: the channel token's serviceurl must match
                (keys.token(serviceurl=here), there),
                (keys.token(serviceurl=there), here),
                (keys.token(), there),
                (keys.token(serviceurl=here), here.replace("http://", "HTTP://")),
                # botbuilder let these through: no serviceurl claim is looked for
                (keys.token(iss=EMULATOR_ISSUER, ver="1.0", appid=APP_ID), there),
                (keys.token(iss=emulator_v2, ver="2.0", azp=APP_ID), there),
                (keys.token(iss=EMULATOR_ISSUER, ver="1.0", appid=APP_ID), None),
                (keys.token(serviceurl=here), None),
            ]
            for token, url in attempts:
                for kind in ("conversationUpdate", "message"):
                    status = await post(session, server.base, teams_activity(url, kind=kind), token)
                    assert status == 401, (url, kind, status)
            assert server.count("conversation_refs") == 0
            assert decoy.connections == 0
            assert server.connector.activities == []

            # A channel token naming the activity's serviceUrl is accepted.
            typing = teams_activity(here, kind="typing")
            assert await post(session, server.base, typing, keys.token(serviceurl=here)) == 201
