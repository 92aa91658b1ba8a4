"""A strict local Slack Web API, response_url and Socket Mode server for tests, on real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from .payload_checks import check_blocks, load_all_specs
from .slack_methods import HANDLERS, Handler, SlackError, SlackState, method_table
from .slack_socket import SocketHub

JSON_FIELDS = ("blocks", "attachments", "view", "metadata")
RESPONSE_URL_USES = 5


@dataclass
class Call:
    """One Web API call: the method, its decoded arguments (token removed) and when it came."""

    method: str
    args: dict[str, Any]
    at: float
    error: str | None = None


@dataclass
class Fault:
    """A call the stand-in answered with an injected failure instead of serving it."""

    method: str
    kind: str
    status: int
    at: float


@dataclass
class _FaultRule:
    method: str | None
    status: int
    count: int
    retry_after: int


@dataclass
class _Stall:
    seconds: float
    count: int | None = None


class SlackStandIn:
    """`async with SlackStandIn(token=...) as slack:` then point slack_sdk at `slack.api_url`."""

    def __init__(
        self,
        token: str = "xoxb-test-token",
        app_token: str | None = None,
        trigger_ttl: float = 3.0,
    ) -> None:
        self.token = token
        self.app_token = app_token
        self.calls: list[Call] = []
        self.rejected: list[Call] = []
        self.faults: list[Fault] = []
        self.responses: list[dict[str, Any]] = []
        self.state = SlackState(trigger_ttl=trigger_ttl, socket_url=self._socket_url)
        self.socket = SocketHub()
        self.base_url = ""
        self._handlers: dict[str, Handler] = dict(HANDLERS)
        self._response_urls: dict[str, int] = {}
        self._rules: list[_FaultRule] = []
        self._stall: _Stall | None = None
        self._latency = 0.0
        # Requests that have arrived, by method, before the latency and before any answer:
        # a test can act while one is in flight (e.g. kill its caller).
        self.started: Counter[str] = Counter()
        self._changed = asyncio.Event()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None

    @property
    def api_url(self) -> str:
        return f"{self.base_url}api/"

    async def __aenter__(self) -> SlackStandIn:
        # A missing spec fails the test here, never as a 500 that slack_sdk would retry.
        load_all_specs()
        method_table()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{rid}", self._response)
        app.router.add_get("/socket", self.socket.handle)
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=False
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing.set()
        await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _socket_url(self) -> str:
        return self.socket.issue_url(self.base_url.replace("http://", "ws://", 1))

    # -- test controls -------------------------------------------------------------------

    def new_trigger_id(self) -> str:
        return self.state.new_trigger_id()

    def new_response_url(self) -> str:
        rid = secrets.token_urlsafe(12)
        self._response_urls[rid] = 0
        return f"{self.base_url}response/{rid}"

    def add_message(self, channel: str, ts: str | None = None, **fields: Any) -> str:
        return self.state.add_message(channel, ts, **fields)

    def add_user(self, user_id: str, **fields: Any) -> None:
        self.state.users[user_id] = {"id": user_id, **self.state.user(user_id), **fields}

    def handle(self, method: str, handler: Handler) -> None:
        """Serve `method` with handler(state, args) -> response fields; SlackError fails it."""
        self._handlers[method] = handler

    def fail_next(
        self, method: str | None = None, status: int = 500, count: int = 1, retry_after: int = 1
    ) -> None:
        """Fail the next `count` calls to `method` (None: any; "response_url" too) with `status`."""
        if status not in (429, 500, 502, 503):
            raise ValueError("status must be 429 or a 5xx")
        self._rules.append(_FaultRule(method, status, count, retry_after))

    def stall(self, seconds: float, count: int | None = None) -> None:
        """Hold the next `count` calls (all, if None) for `seconds` before serving them."""
        self._stall = _Stall(seconds, count) if seconds > 0 else None

    def set_latency(self, seconds: float) -> None:
        self._latency = seconds

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
    ) -> Call:
        """First recorded call to `method` (matching predicate), waiting up to timeout for it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for call in self.calls_to(method):
                if predicate is None or predicate(call):
                    return call
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = dict(Counter(c.method for c in self.calls))
                refused = [f"{c.method}: {c.error}" for c in self.rejected]
                raise TimeoutError(
                    f"no matching {method} call within {timeout}s; "
                    f"served {seen or 'nothing'}; refused {refused or 'nothing'}"
                )
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def wait_started(self, method: str, count: int, timeout: float = 10.0) -> None:
        """Until `count` requests to `method` have arrived (answered or not)."""

        async def arrived() -> None:
            while self.started[method] < count:
                await self._changed.wait()

        try:
            await asyncio.wait_for(arrived(), timeout)
        except TimeoutError:
            raise TimeoutError(f"fewer than {count} {method} requests within {timeout}s") from None

    async def wait_for_response(
        self, predicate: Callable[[dict[str, Any]], bool] | None = None, timeout: float = 5.0
    ) -> dict[str, Any]:
        async def found() -> dict[str, Any]:
            while True:
                for body in self.responses:
                    if predicate is None or predicate(body):
                        return body
                await self._changed.wait()

        try:
            return await asyncio.wait_for(found(), timeout)
        except TimeoutError:
            raise TimeoutError(f"no matching response_url post within {timeout}s") from None

    async def socket_send(
        self, envelope_type: str, payload: dict[str, Any], accepts_response_payload: bool = False
    ) -> str:
        return await self.socket.send(envelope_type, payload, accepts_response_payload)

    async def socket_wait_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        return await self.socket.wait_ack(envelope_id, timeout)

    # -- serving ---------------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _delay(self) -> None:
        stall = self._stall
        if stall is not None:
            if stall.count is not None:
                stall.count -= 1
                if stall.count <= 0:
                    self._stall = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), stall.seconds)
        if self._latency:
            await asyncio.sleep(self._latency)

    def _fault(self, method: str) -> web.Response | None:
        for rule in self._rules:
            if rule.method is None or rule.method == method:
                rule.count -= 1
                if rule.count <= 0:
                    self._rules.remove(rule)
                self.faults.append(Fault(method, "status", rule.status, time.monotonic()))
                if rule.status == 429:
                    body = {"ok": False, "error": "ratelimited"}
                    headers = {"Retry-After": str(rule.retry_after)}
                    return web.json_response(body, status=429, headers=headers)
                return web.json_response(
                    {"ok": False, "error": "internal_error"}, status=rule.status
                )
        return None

    async def _read_args(self, request: web.Request, accepts_json: bool) -> tuple[dict, bool]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            return {**args, **{k: v for k, v in form.items() if isinstance(v, str)}}, False
        raw = await request.read()
        if not raw:
            return args, request.content_type == "application/json"
        if request.content_type == "application/json":
            if not accepts_json:
                return args, True
            try:
                body = json.loads(raw)
            except ValueError:
                raise SlackError("invalid_json") from None
            if not isinstance(body, dict):
                raise SlackError("invalid_json")
            return {**args, **body}, True
        if request.content_type != "application/x-www-form-urlencoded":
            raise SlackError("invalid_form_data")
        args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        return args, False

    def _check_token(self, request: web.Request, arg: Any, method: str, as_json: bool) -> None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        # a JSON body cannot carry the token: Slack only reads it from the header then
        token = token or ("" if as_json or arg is None else str(arg))
        if not token:
            raise SlackError("not_authed")
        expected = self.app_token if method == "apps.connections.open" else self.token
        if not expected or not secrets.compare_digest(token, expected):
            raise SlackError("invalid_auth")

    @staticmethod
    def _decode_json_fields(args: dict[str, Any]) -> None:
        for name in JSON_FIELDS:
            value = args.get(name)
            if isinstance(value, str) and value.strip():
                try:
                    args[name] = json.loads(value)
                except ValueError:
                    error = "invalid_blocks_format" if name == "blocks" else "invalid_arguments"
                    raise SlackError(error, [f"[ERROR] {name} is not valid JSON"]) from None

    async def _api(self, request: web.Request) -> web.Response:
        # Like Slack, a request is carried through even if its caller dies while it waits.
        method = request.match_info["method"]
        if request.method not in ("GET", "POST"):
            return web.json_response({"ok": False, "error": "method_not_supported"}, status=405)
        self.started[method] += 1
        self._notify()
        await self._delay()
        faulted = self._fault(method)
        if faulted is not None:
            return faulted
        args: dict[str, Any] = {}
        try:
            spec = method_table().get(method)
            handler = self._handlers.get(method)
            if spec is None and handler is None:
                raise SlackError("unknown_method")
            args, as_json = await self._read_args(request, spec.accepts_json if spec else True)
            token_arg = args.pop("token", None)
            if spec is None or spec.needs_token:
                self._check_token(request, token_arg, method, as_json)
            self._decode_json_fields(args)
            missing = [r for r in (spec.required if spec else ()) if args.get(r) in (None, "")]
            if missing:
                messages = [f"[ERROR] missing required field: {name}" for name in missing]
                raise SlackError("invalid_arguments", messages)
            if handler is None:
                raise SlackError("method_not_served_by_standin")
            result = handler(self.state, args)
        except SlackError as e:
            self.rejected.append(Call(method, args, time.monotonic(), e.error))
            self._notify()
            return web.json_response(e.body())
        self.calls.append(Call(method, args, time.monotonic()))
        self._notify()
        return web.json_response({"ok": True, **result})

    async def _response(self, request: web.Request) -> web.Response:
        rid = request.match_info["rid"]
        if rid not in self._response_urls:
            return web.Response(status=404, text="no_such_url")
        await self._delay()
        faulted = self._fault("response_url")
        if faulted is not None:
            return faulted
        if self._response_urls[rid] >= RESPONSE_URL_USES:
            return web.Response(status=404, text="used_url")
        if request.content_type != "application/json":
            return web.Response(status=400, text="invalid_payload")
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        if not body.get("delete_original") and not (body.get("text") or body.get("blocks")):
            return web.Response(status=400, text="no_text")
        if "blocks" in body:
            try:
                check_blocks(body["blocks"], surface="message")
            except AssertionError:
                return web.Response(status=400, text="invalid_blocks")
        self._response_urls[rid] += 1
        self.responses.append(body)
        self._notify()
        return web.Response(text="ok")
