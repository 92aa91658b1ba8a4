"""A strict local Bot Framework Connector (the REST API a Teams bot calls back), on real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .payload_checks import check_adaptive_card, load_all_specs

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
TENANT_ID = "00000000-0000-0000-0000-0000000000aa"


@dataclass
class Recorded:
    """One accepted Connector call; body is the JSON as the bot sent it."""

    kind: str
    conversation_id: str
    activity_id: str | None
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class ConnectorError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> web.Response:
        body = {"error": {"code": self.code, "message": self.message}}
        return web.json_response(body, status=self.status)


def check_activity(activity: Any) -> None:
    """Raise ConnectorError (400) for an activity Teams would refuse."""
    if not isinstance(activity, dict) or not activity.get("type"):
        raise ConnectorError(400, "BadArgument", "Activity must have a type")
    attachments = activity.get("attachments") or []
    if activity["type"] == "message" and not (activity.get("text") or attachments):
        raise ConnectorError(400, "BadArgument", "A message needs text or attachments")
    for i, attachment in enumerate(attachments):
        if not isinstance(attachment, dict) or not attachment.get("contentType"):
            raise ConnectorError(400, "BadArgument", f"attachments[{i}] needs a contentType")
        if attachment["contentType"] == ADAPTIVE_CARD:
            try:
                check_adaptive_card(attachment.get("content"))
            except AssertionError as e:
                raise ConnectorError(400, "BadArgument", f"attachments[{i}]: {e}") from None


class ConnectorStandIn:
    """`async with ConnectorStandIn() as connector:` then use `connector.service_url`."""

    def __init__(self) -> None:
        self.activities: list[Recorded] = []
        self.rejected: list[tuple[str, str]] = []
        self.faults: list[tuple[str, int]] = []
        self.members: dict[str, dict[str, Any]] = {}
        self.service_url = ""
        self._issued: dict[str, str] = {}
        self._deleted: set[str] = set()
        self._fail: list[tuple[int, int, int | None]] = []
        self._stall: tuple[float, int | None] | None = None
        self._changed = asyncio.Event()
        self._closing = asyncio.Event()
        self._next_id = int(time.time() * 1000)
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> ConnectorStandIn:
        load_all_specs()  # a missing spec fails the test here, never as a 500 to botbuilder
        app = web.Application(middlewares=[self._guard])
        conv = "/v3/conversations/{cid}"
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post(conv + "/activities", self._send)
        app.router.add_post(conv + "/activities/{aid}", self._reply)
        app.router.add_put(conv + "/activities/{aid}", self._update)
        app.router.add_delete(conv + "/activities/{aid}", self._delete)
        app.router.add_get(conv + "/members", self._list_members)
        app.router.add_get(conv + "/pagedmembers", self._paged_members)
        app.router.add_get(conv + "/members/{mid}", self._member)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.service_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- test controls -------------------------------------------------------------------

    def add_member(self, member_id: str, **fields: Any) -> dict[str, Any]:
        self.members[member_id] = {**self._default_member(member_id), **fields}
        return self.members[member_id]

    def fail_next(self, count: int = 1, status: int = 500, retry_after: int | None = None) -> None:
        if status not in (429, 500, 502, 503):
            raise ValueError("status must be 429 or a 5xx")
        self._fail.append((count, status, retry_after))

    def stall(self, seconds: float, count: int | None = None) -> None:
        """Hold the next `count` calls (all, if None) for `seconds` before serving them."""
        self._stall = (seconds, count) if seconds > 0 else None

    def of_kind(self, kind: str) -> list[Recorded]:
        return [r for r in self.activities if r.kind == kind]

    async def wait_for(
        self,
        kind: str,
        predicate: Callable[[Recorded], bool] | None = None,
        timeout: float = 5.0,
    ) -> Recorded:
        """First recorded call of `kind` (matching predicate), waiting up to timeout for it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for rec in self.of_kind(kind):
                if predicate is None or predicate(rec):
                    return rec
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = dict(Counter(r.kind for r in self.activities))
                raise TimeoutError(
                    f"no matching {kind} within {timeout}s; recorded {seen or 'nothing'}; "
                    f"refused {self.rejected or 'nothing'}"
                )
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    # -- serving ---------------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self._stall is not None:
            seconds, count = self._stall
            if count is not None:
                self._stall = (seconds, count - 1) if count > 1 else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)
        if self._fail:
            count, status, retry_after = self._fail[0]
            self._fail[0:1] = [(count - 1, status, retry_after)] if count > 1 else []
            self.faults.append((request.path, status))
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            code = "TooManyRequests" if status == 429 else "ServiceError"
            body = {"error": {"code": code, "message": "injected failure"}}
            return web.json_response(body, status=status, headers=headers)
        try:
            return await handler(request)
        except ConnectorError as e:
            self.rejected.append((request.path, e.message))
            self._notify()
            return e.response()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _record(self, kind: str, cid: str, aid: str | None, body: dict[str, Any]) -> None:
        self.activities.append(Recorded(kind, cid, aid, body))
        self._notify()

    def _new_id(self, cid: str) -> str:
        # Teams activity ids are millisecond timestamps, unique within the stand-in
        self._next_id += 1
        activity_id = str(self._next_id)
        self._issued[activity_id] = cid
        return activity_id

    @staticmethod
    async def _json(request: web.Request) -> Any:
        if request.content_type != "application/json":
            raise ConnectorError(415, "UnsupportedMediaType", "expected application/json")
        try:
            return json.loads(await request.read())
        except ValueError:
            raise ConnectorError(400, "BadSyntax", "body is not JSON") from None

    def _known(self, cid: str, aid: str) -> None:
        if self._issued.get(aid) != cid or aid in self._deleted:
            raise ConnectorError(400, "BadArgument", "Unknown activity id for this conversation")

    async def _create(self, request: web.Request) -> web.Response:
        params = await self._json(request)
        if not isinstance(params, dict):
            raise ConnectorError(400, "BadArgument", "ConversationParameters expected")
        members = params.get("members") or []
        if not members or not all(isinstance(m, dict) and m.get("id") for m in members):
            raise ConnectorError(400, "BadArgument", "members must list at least one id")
        if not params.get("isGroup") and len(members) != 1:
            raise ConnectorError(400, "BadArgument", "a 1:1 conversation has exactly one member")
        tenant = (params.get("channelData") or {}).get("tenant") or {}
        # botbuilder-python serializes tenant_id as "tenantID"; Teams itself uses channelData
        given = (params.get(k) for k in ("tenantId", "tenantID"))
        if not (any(given) or tenant.get("id") or tenant.get("tenantId")):
            raise ConnectorError(400, "BadArgument", "Teams needs the tenant id")
        cid = f"a:1{uuid.uuid4().hex}"
        activity_id = None
        if params.get("activity") is not None:
            check_activity(params["activity"])
            activity_id = self._new_id(cid)
        self._record("create", cid, activity_id, params)
        body = {"id": cid, "serviceUrl": self.service_url, "activityId": activity_id}
        return web.json_response(body, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        activity = await self._json(request)
        check_activity(activity)
        activity_id = self._new_id(cid)
        self._record("send", cid, activity_id, activity)
        return web.json_response({"id": activity_id}, status=201)

    async def _reply(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        activity = await self._json(request)
        check_activity(activity)
        activity_id = self._new_id(cid)
        self._record("reply", cid, activity_id, activity)
        return web.json_response({"id": activity_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        activity = await self._json(request)
        self._known(cid, aid)
        check_activity(activity)
        self._record("update", cid, aid, activity)
        return web.json_response({"id": aid})

    async def _delete(self, request: web.Request) -> web.Response:
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        self._known(cid, aid)
        self._deleted.add(aid)
        self._record("delete", cid, aid, {})
        return web.Response(status=200)

    @staticmethod
    def _default_member(member_id: str) -> dict[str, Any]:
        tail = member_id.rsplit(":", 1)[-1][:8] or "user"
        return {
            "id": member_id,
            "name": f"Test User {tail}",
            "aadObjectId": str(uuid.uuid5(uuid.NAMESPACE_URL, member_id)),
            "givenName": "Test",
            "surname": f"User {tail}",
            "email": f"user-{tail.lower()}@library.example",
            "userPrincipalName": f"user-{tail.lower()}@library.example",
            "tenantId": TENANT_ID,
            "userRole": "user",
        }

    def _conversation_members(self) -> list[dict[str, Any]]:
        return list(self.members.values()) or [self._default_member("29:1defaultuser")]

    async def _list_members(self, request: web.Request) -> web.Response:
        return web.json_response(self._conversation_members())

    async def _paged_members(self, request: web.Request) -> web.Response:
        return web.json_response({"members": self._conversation_members()})

    async def _member(self, request: web.Request) -> web.Response:
        member_id = request.match_info["mid"]
        return web.json_response(self.members.get(member_id) or self._default_member(member_id))
