"""Malformed Slack signature headers over raw HTTP: each a 401, none a 500, nothing written.

slack_sdk's SignatureVerifier raised on a timestamp that is not an integer and on a
non-ASCII signature, and aiohttp answered 500. The server runs as `patronguard serve` runs
it; requests are written byte for byte, so headers can be absent, repeated or not ASCII.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

from tests.attack_harness import SECRET, ServerThread
from tests.standins.slack_signing import sign_request

TS, SIG = b"X-Slack-Request-Timestamp", b"X-Slack-Signature"


async def raw_post(server: ServerThread, body: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    head = [b"POST /slack/events HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    head += [name + b": " + value for name, value in headers]
    head.append(b"Content-Length: " + str(len(body)).encode())
    writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
    status_line = await asyncio.wait_for(reader.readline(), 30)
    writer.close()
    return int(status_line.split()[1])


def attacks(ts: bytes, sig: bytes) -> list[list[tuple[bytes, bytes]]]:
    """Header sets for a body correctly signed as (ts, sig): every one malformed somehow."""
    stale = str(int(time.time()) - 360).encode()
    bad_timestamps = [
        b"",
        b"abc",
        b"1700000000.5",
        b"9" * 5000,
        b"-1",
        b"+" + ts,
        b"0x65",
        b"1e9",
        b"\xb2",  # a superscript two in Latin-1: a digit to str.isdigit(), not to int()
        b"\xd9\xa1\xd9\xa2",  # Arabic-Indic digits in UTF-8
        ts + b".0",
        stale,
    ]
    bad_signatures = [
        b"",
        b"v0=",
        b"v0=" + b"0" * 64,
        b"v0=" + b"g" * 64,
        b"v1=" + sig[3:],
        b"V0=" + sig[3:],
        b"v0=" + sig[3:].upper(),
        sig + b"0",
        sig[:-1] + b"\xe9",  # non-ASCII: hmac.compare_digest raised TypeError
        b"v0=" + b"0" * 6000,
    ]
    sets = [[(TS, t), (SIG, sig)] for t in bad_timestamps]
    sets += [[(TS, ts), (SIG, s)] for s in bad_signatures]
    sets += [
        [(SIG, sig)],
        [(TS, ts)],
        [],
        [(TS, ts), (TS, ts), (SIG, sig)],
        [(TS, b"abc"), (TS, ts), (SIG, sig)],
        [(TS, ts), (TS, b"abc"), (SIG, sig)],
        [(TS, ts), (SIG, sig), (SIG, sig)],
        [(TS, ts), (SIG, b"v0=" + b"0" * 64), (SIG, sig)],
        [(TS, ts), (SIG, sig), (SIG, b"v0=" + b"0" * 64)],
    ]
    return sets


async def test_every_malformed_signature_or_timestamp_header_is_a_401(tmp_path: Path) -> None:
    with ServerThread(tmp_path / "pg.db") as server:
        body = server.slash_command()
        signed = sign_request(body, SECRET)
        ts, sig = signed["X-Slack-Request-Timestamp"].encode(), signed["X-Slack-Signature"].encode()
        form = [(b"Content-Type", b"application/x-www-form-urlencoded")]
        outcomes: Counter[int] = Counter()
        for headers in attacks(ts, sig):
            status = await raw_post(server, body, form + headers)
            outcomes[status] += 1
            assert status == 401, (headers, status)
        # The same headers with another body, and then without a Content-Type at all.
        assert await raw_post(server, body + b"&x=1", [*form, (TS, ts), (SIG, sig)]) == 401
        assert await raw_post(server, b"", [(TS, ts), (SIG, sig)]) == 401
        assert outcomes == Counter({401: len(attacks(ts, sig))}) and len(outcomes) == 1
        assert server.count("cases") == 0
        # Exactly right, it is served.
        assert await raw_post(server, body, [*form, (TS, ts), (SIG, sig)]) == 200
        assert server.count("cases") == 1
