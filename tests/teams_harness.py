"""Running the real server with Teams against the local Connector stand-in, over real HTTP.

`TeamsHarness.running(...)` starts `bot.server.create_app` on a free loopback port with
Slack off and a ConnectorStandIn as every activity's serviceUrl; its methods post the
activities Teams would send and find what the bot sent back.
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlite_utils import Database

from bot.config import Settings
from bot.server import RUNTIME, Runtime, create_app
from handlers.clock import Clock
from tests.standins.payload_checks import check_adaptive_card
from tests.standins.teams_connector import ADAPTIVE_CARD, TENANT_ID, ConnectorStandIn, Recorded

BOT_ID = "28:0f1e2d3c-patronguard-bot"
STAFF = "29:1staff-desk"
DANA = "29:1dana-director"
SAM = "29:1sam-privacy"
COUNSEL = "29:1city-attorney"
TEAMS_IDS = {"Dana Whitfield": DANA, "Sam Ortega": SAM}
SENT = ("create", "send", "reply", "update")

_ids = itertools.count(1)


def teams_settings(settings: Settings, *, counsel: bool = False) -> Settings:
    """The sample library with Teams ids for its first two officers (and counsel)."""
    officers = [o.model_copy(update={"teams_id": TEAMS_IDS.get(o.name)}) for o in settings.officers]
    update: dict[str, Any] = {"officers": officers}
    if counsel and settings.counsel is not None:
        update["counsel"] = settings.counsel.model_copy(update={"teams_id": COUNSEL})
    return settings.model_copy(update=update)


def cards_of(record: Recorded) -> list[dict[str, Any]]:
    """The Adaptive Cards in a recorded send, reply, update or create."""
    activity = record.body.get("activity") if record.kind == "create" else record.body
    attachments = (activity or {}).get("attachments") or []
    return [a["content"] for a in attachments if a.get("contentType") == ADAPTIVE_CARD]


def card_text(card: dict[str, Any]) -> str:
    """Every string a card shows or carries, joined: for 'does it mention X' assertions."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found.append(node)

    walk(card)
    return "\n".join(found)


def submit_data(card: dict[str, Any], title: str, value_has: str = "") -> dict[str, Any]:
    """The data of the card's Action.Submit titled `title` (whose value contains value_has)."""
    actions: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                actions.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    for action in actions:
        if action["title"] == title and value_has in str(action["data"].get("value")):
            return dict(action["data"])
    raise AssertionError(f"no button {title!r} ({value_has}) on the card")


class TeamsHarness:
    """The running app, its runtime and database, and the stand-in it talks to."""

    def __init__(self, url: str, runtime: Runtime, connector: ConnectorStandIn, db_path: Path):
        self.url = url
        self.runtime = runtime
        self.connector = connector
        self.db_path = db_path
        self.personal: dict[str, str] = {}

    @classmethod
    @contextlib.asynccontextmanager
    async def running(
        cls,
        settings: Settings,
        db_path: Path,
        *,
        clock: Clock | None = None,
        env: Mapping[str, str] | None = None,
        background_pager: bool = True,
    ) -> AsyncIterator[TeamsHarness]:
        async with ConnectorStandIn() as connector:
            # Teams asked for: the local emulator when env has no MICROSOFT_APP_ID.
            app = create_app(
                settings, db_path, dict(env or {}), clock=clock, slack=False, teams=True
            )
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
            await runner.setup()
            runtime = app[RUNTIME]
            if not background_pager:
                # Tests that move a fake clock deliver with run_once, so nothing races it.
                runtime.tasks[0].cancel()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            try:
                yield cls(f"http://127.0.0.1:{port}", runtime, connector, db_path)
            finally:
                await runner.cleanup()

    # -- posting activities ------------------------------------------------------------------

    async def post_raw(
        self, body: bytes | str, *, headers: Mapping[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + "/api/messages", data=body, headers=headers) as response,
        ):
            await response.read()
            return response

    async def post(self, activity: dict[str, Any], **headers: str) -> int:
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + "/api/messages", json=activity, headers=headers) as response,
        ):
            await response.read()
            return response.status

    def activity(
        self, user: str, *, conversation: dict[str, Any] | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A message activity from `user` in their personal chat, unless told otherwise."""
        base: dict[str, Any] = {
            "type": "message",
            "id": f"1{next(_ids):012d}",
            "channelId": "msteams",
            "serviceUrl": self.connector.service_url,
            "from": {"id": user, "name": "Test User"},
            "recipient": {"id": BOT_ID, "name": "PatronGuard"},
            "conversation": conversation or self.personal_conversation(user),
            "channelData": {"tenant": {"id": TENANT_ID}},
            "locale": "en-US",
        }
        return {**base, **fields}

    def personal_conversation(self, user: str) -> dict[str, Any]:
        conversation_id = self.personal.setdefault(user, f"a:1personal-{user.split(':')[1]}")
        return {"id": conversation_id, "conversationType": "personal", "tenantId": TENANT_ID}

    async def install(self, user: str) -> int:
        """The app added to the user's personal scope, as Teams announces it."""
        return await self.post(
            self.activity(
                user,
                type="conversationUpdate",
                membersAdded=[{"id": BOT_ID}],
            )
        )

    async def say(self, user: str, text: str, **fields: Any) -> int:
        return await self.post(self.activity(user, text=text, **fields))

    async def press(
        self,
        user: str,
        pressed: Recorded,
        title: str,
        *,
        value_has: str = "",
        inputs: Mapping[str, str] | None = None,
        activity_id: str | None = None,
    ) -> int:
        """Press a button on a card the bot sent, as Teams posts it back (with form inputs)."""
        [card] = cards_of(pressed)
        data = {**submit_data(card, title, value_has), **(inputs or {})}
        conversation = {
            "id": pressed.conversation_id,
            "conversationType": "personal",
            "tenantId": TENANT_ID,
        }
        extra = {"id": activity_id} if activity_id else {}
        return await self.post(
            self.activity(
                user,
                conversation=conversation,
                value=data,
                replyToId=pressed.activity_id,
                **extra,
            )
        )

    # -- what the bot sent -------------------------------------------------------------------

    def sent(self) -> list[Recorded]:
        return [r for r in self.connector.activities if r.kind in SENT]

    def sent_to(self, user: str) -> list[Recorded]:
        conversation_id = self.personal.get(user)
        return [r for r in self.sent() if r.conversation_id == conversation_id]

    def find(
        self, user: str, predicate: Callable[[str], bool], *, kinds: tuple[str, ...] = SENT
    ) -> list[Recorded]:
        return [
            r
            for r in self.sent_to(user)
            if r.kind in kinds and any(predicate(card_text(c)) for c in cards_of(r))
        ]

    async def wait_for_card(
        self, user: str, predicate: Callable[[str], bool], *, kind: str = "send"
    ) -> Recorded:
        conversation_id = self.personal.get(user)
        return await self.connector.wait_for(
            kind,
            lambda r: (
                r.conversation_id == conversation_id
                and any(predicate(card_text(c)) for c in cards_of(r))
            ),
        )

    def check_every_card(self) -> int:
        """Validate every Adaptive Card the stand-in accepted; return how many there were."""
        assert self.connector.rejected == [], self.connector.rejected
        count = 0
        for record in self.sent():
            for card in cards_of(record):
                check_adaptive_card(card)
                count += 1
        return count

    # -- the database file -------------------------------------------------------------------

    def read(self, query: Callable[[Database], Any]) -> Any:
        """Run `query` on a separate read-only connection to the server's SQLite file."""
        conn = sqlite3.connect(f"{self.db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return query(Database(conn))
        finally:
            conn.close()

    def count(self, table: str) -> int:
        return self.read(lambda db: db[table].count)
