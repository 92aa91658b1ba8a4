"""The baseline server: aiohttp and a Bolt AsyncApp that acks /records-request and nothing else.

Not a test. It is started exactly as `patronguard serve` is in the benchmarks (its own process,
the same environment: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL), and answers
GET /healthz with 200 once it listens, as serve does when it is ready.

    python bench/bare_bolt.py --port 3001
"""

from __future__ import annotations

import argparse
import os

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient


def bare_app() -> web.Application:
    bolt = AsyncApp(
        name="bare",
        client=AsyncWebClient(
            token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]
        ),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=False,  # as PatronGuard's app
    )

    @bolt.command("/records-request")
    async def on_command(ack: AsyncAck) -> None:
        await ack("ok")

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(bare_app(), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
