"""The local Slack Web API stand-in as a process of its own, for the benchmarks.

Not a test. It serves the strict stand-in from tests/standins (the same one the tests use)
on loopback, plus a small control API on a second port for the benchmark client:

- POST /triggers?n=K: K fresh trigger ids (each opens one modal);
- GET /calls?method=M&after=I: the calls to M recorded from index I on, each with the
  moment it arrived (time.monotonic, one clock for every process on the machine), its
  channel and the case ids it names: so the client learns when each case's page arrived;
- GET /refused: the calls the stand-in refused (a benchmark with any is not valid).

It prints one JSON line, {"api": ..., "control": ...}, once both are listening, and runs until
SIGTERM or SIGINT.

    python bench/standin.py --token xoxb-...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import web

from tests.standins.slack_api import SlackStandIn

CASE_ID = re.compile(r"PG-[2-9A-HJ-NP-Z]{6}")
TRIGGER_TTL = 3600.0  # triggers are issued before a burst, so they must outlive it


def control_app(slack: SlackStandIn) -> web.Application:
    async def triggers(request: web.Request) -> web.Response:
        count = int(request.query.get("n", "1"))
        return web.json_response({"triggers": [slack.new_trigger_id() for _ in range(count)]})

    async def calls(request: web.Request) -> web.Response:
        method = request.query["method"]
        after = int(request.query.get("after", "0"))
        found = slack.calls[after:]
        return web.json_response(
            {
                "next": after + len(found),
                "calls": [
                    {
                        "at": call.at,
                        "channel": call.args.get("channel"),
                        "cases": sorted(set(CASE_ID.findall(json.dumps(call.args)))),
                    }
                    for call in found
                    if call.method == method
                ],
            }
        )

    async def refused(request: web.Request) -> web.Response:
        return web.json_response([{"method": c.method, "error": c.error} for c in slack.rejected])

    app = web.Application()
    app.router.add_post("/triggers", triggers)
    app.router.add_get("/calls", calls)
    app.router.add_get("/refused", refused)
    return app


async def serve(token: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with SlackStandIn(token=token, trigger_ttl=TRIGGER_TTL) as slack:
        runner = web.AppRunner(control_app(slack), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        control = f"http://127.0.0.1:{runner.addresses[0][1]}"
        print(json.dumps({"api": slack.api_url, "control": control}), flush=True)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--token", required=True, help="the bot token apps must present")
    asyncio.run(serve(parser.parse_args().token))


if __name__ == "__main__":
    main()
