"""The Socket Mode side of the Slack stand-in: WebSocket sessions, envelopes and acks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import uuid
from typing import Any

from aiohttp import WSMsgType, web

ENVELOPE_TYPES = {"slash_commands", "interactive", "events_api"}


class SocketHub:
    """Issues connection URLs, serves /socket, pushes envelopes and collects the client's acks."""

    def __init__(self) -> None:
        self.tickets: set[str] = set()
        self.sessions: list[web.WebSocketResponse] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.sent: dict[str, dict[str, Any]] = {}
        self.stray: list[dict[str, Any]] = []
        self._changed = asyncio.Event()

    def issue_url(self, base: str) -> str:
        ticket = secrets.token_urlsafe(12)
        self.tickets.add(ticket)
        return f"{base}socket?ticket={ticket}"

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait(self, ready: Any, what: str, timeout: float) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        while (found := ready()) is None:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"{what} within {timeout}s")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)
        return found

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self.tickets:
            # a URL from apps.connections.open is single use, like Slack's
            return web.Response(status=401, text="invalid ticket")
        self.tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sessions.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self.live()),
                "debug_info": {"host": "applink-standin", "approximate_connection_time": 18060},
                "connection_info": {"app_id": "A0001"},
            }
        )
        self._notify()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._receive(msg.data)
        finally:
            self._notify()
        return ws

    def _receive(self, raw: str) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            self.stray.append({"raw_length": len(raw)})
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if envelope_id in self.sent and envelope_id not in self.acks:
            self.acks[envelope_id] = message
        else:
            self.stray.append(message if isinstance(message, dict) else {"value": message})
        self._notify()

    def live(self) -> list[web.WebSocketResponse]:
        return [ws for ws in self.sessions if not ws.closed]

    async def wait_connected(self, timeout: float = 5.0) -> None:
        await self._wait(lambda: self.live()[-1] if self.live() else None, "no client", timeout)

    async def send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        accepts_response_payload: bool = False,
        timeout: float = 5.0,
    ) -> str:
        if envelope_type not in ENVELOPE_TYPES:
            raise ValueError(f"envelope type must be one of {sorted(ENVELOPE_TYPES)}")
        await self.wait_connected(timeout)
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":
            envelope.update(retry_attempt=0, retry_reason="")
        self.sent[envelope_id] = envelope
        await self.live()[-1].send_json(envelope)
        return envelope_id

    async def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        if envelope_id not in self.sent:
            raise KeyError(f"envelope {envelope_id} was never sent")
        return await self._wait(
            lambda: self.acks.get(envelope_id), f"no ack for envelope {envelope_id}", timeout
        )

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        for ws in self.live():
            await ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {}})

    async def close(self) -> None:
        for ws in self.live():
            await ws.close(code=1001, message=b"server shutting down")
