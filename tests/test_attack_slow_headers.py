"""Slow headers: a client that starts a request and stalls is cut off, others are served.

The server runs as `patronguard serve` runs it (`bot.server.serve_app`), with a short header
timeout so the tests stay quick.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from bot.server import HEADER_TIMEOUT
from tests.attack_harness import ServerThread, timed

TIMEOUT = 1.0  # the server's header timeout in these tests
CLOSED_WITHIN = TIMEOUT + 3.0  # generous: the machine may be busy


async def closed_by_server(reader: asyncio.StreamReader) -> float:
    """Seconds until the server closes the connection (end of stream or reset)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        while await asyncio.wait_for(reader.read(65536), CLOSED_WITHIN):
            pass  # a 400 or 408 before closing would be fine too
    except ConnectionResetError:
        pass
    return loop.time() - started


def test_serve_cuts_off_slow_headers_after_ten_seconds() -> None:
    assert HEADER_TIMEOUT == 10.0


async def test_half_a_request_line_is_closed_while_another_connection_is_served(
    tmp_path: Path,
) -> None:
    with ServerThread(tmp_path / "pg.db", header_timeout=TIMEOUT) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"POST /slack/ev")
        await writer.drain()
        closing = asyncio.create_task(closed_by_server(reader))
        async with aiohttp.ClientSession() as session:
            status, _ = await timed(session, "GET", server.base + "/healthz")
            assert status in (200, 503)
            assert not closing.done()  # served while the stalled connection was still open
        assert await closing < CLOSED_WITHIN
        writer.close()


async def test_headers_trickling_in_do_not_extend_the_deadline(tmp_path: Path) -> None:
    with ServerThread(tmp_path / "pg.db", header_timeout=TIMEOUT) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        closing = asyncio.create_task(closed_by_server(reader))
        trickle = b"X-Slow: " + b"a" * 200
        for byte in trickle:  # one byte every 50 ms: 10 s in all, far past the deadline
            if closing.done():
                break
            writer.write(bytes([byte]))
            await asyncio.sleep(0.05)
        assert await closing < CLOSED_WITHIN
        writer.close()


async def read_response(reader: asyncio.StreamReader) -> bytes:
    """The status code of one whole response to GET /healthz."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), CLOSED_WITHIN)
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    await asyncio.wait_for(reader.readexactly(length), CLOSED_WITHIN)
    return head.split(b" ")[1]


HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


async def test_a_slow_second_request_on_a_kept_alive_connection_is_cut_off_too(
    tmp_path: Path,
) -> None:
    with ServerThread(tmp_path / "pg.db", header_timeout=TIMEOUT) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(HEALTHZ)
        assert await read_response(reader) in (b"200", b"503")
        writer.write(b"GET /hea")
        assert await closed_by_server(reader) < CLOSED_WITHIN
        writer.close()


async def test_an_idle_kept_alive_connection_still_serves_its_next_request(
    tmp_path: Path,
) -> None:
    """The deadline is for a request that has begun: idle keep-alive is aiohttp's as before."""
    with ServerThread(tmp_path / "pg.db", header_timeout=TIMEOUT) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(HEALTHZ)
        assert await read_response(reader) in (b"200", b"503")
        await asyncio.sleep(TIMEOUT * 1.5)  # idle for longer than the header timeout
        writer.write(HEALTHZ)  # on the same connection
        assert await read_response(reader) in (b"200", b"503")
        writer.close()
