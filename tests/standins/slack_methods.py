"""Slack Web API method table (from the OpenAPI spec) and the stand-in's method behaviour."""

from __future__ import annotations

import itertools
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .payload_checks import check_blocks, check_view, load_spec

SPEC_FILE = "slack-web-api-openapi-v2.json"
TEAM_ID = "T0001"
APP_ID = "A0001"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
MAX_TEXT = 40000
MAX_METADATA = 8000  # characters of JSON; Slack refuses bigger message metadata

# The 2020 spec marks these optional, yet the live API refuses calls without them.
EXTRA_REQUIRED: dict[str, tuple[str, ...]] = {
    "chat.delete": ("channel", "ts"),
    "users.info": ("user",),
    "views.update": ("view",),
}
# Socket Mode postdates the spec snapshot.
EXTRA_METHODS: dict[str, tuple[str, ...]] = {"apps.connections.open": ()}

CHANNEL_ID = re.compile(r"^(#[a-z0-9._-]+|[CDGUW][A-Z0-9]+)$")
USER_ID = re.compile(r"^[UW][A-Z0-9]+$")


class SlackError(Exception):
    """A Slack API error answer: ok false, this error code, optional detail messages."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            out["response_metadata"] = {"messages": self.messages}
            if self.error == "invalid_blocks":
                out["errors"] = self.messages
        return out


@dataclass(frozen=True)
class MethodSpec:
    name: str
    required: tuple[str, ...]
    needs_token: bool
    accepts_json: bool


@cache
def method_table() -> dict[str, MethodSpec]:
    table: dict[str, MethodSpec] = {}
    for path, verbs in load_spec(SPEC_FILE)["paths"].items():
        for op in verbs.values():
            params = op.get("parameters", [])
            name = path.lstrip("/")
            required = [p["name"] for p in params if p.get("required") and p["name"] != "token"]
            required += [r for r in EXTRA_REQUIRED.get(name, ()) if r not in required]
            table[name] = MethodSpec(
                name=name,
                required=tuple(required),
                needs_token=any(p["name"] == "token" for p in params),
                accepts_json="application/json" in op.get("consumes", []),
            )
    for name, required in EXTRA_METHODS.items():
        table[name] = MethodSpec(name, required, needs_token=True, accepts_json=False)
    return table


def _id(prefix: str) -> str:
    return prefix + secrets.token_hex(5).upper()


@dataclass
class SlackState:
    """What the fake workspace remembers between calls."""

    trigger_ttl: float
    socket_url: Callable[[], str]
    triggers: dict[str, float] = field(default_factory=dict)
    used_triggers: set[str] = field(default_factory=set)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    home_views: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next_ts(self) -> str:
        micros = 1_700_000_000_000_000 + next(self._ts) * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def new_trigger_id(self) -> str:
        trigger = f"{next(self._ts)}.{int(time.time())}.{secrets.token_hex(16)}"
        self.triggers[trigger] = time.monotonic()
        return trigger

    def use_trigger(self, trigger: str) -> None:
        issued = self.triggers.get(trigger)
        if issued is None:
            raise SlackError("invalid_trigger_id")
        if trigger in self.used_triggers:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - issued > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        self.used_triggers.add(trigger)

    def add_message(self, channel: str, ts: str | None = None, **fields: Any) -> str:
        ts = ts or self.next_ts()
        self.messages[(channel, ts)] = {"type": "message", "ts": ts, **fields}
        return ts

    def user(self, user_id: str) -> dict[str, Any]:
        if user_id in self.users:
            return self.users[user_id]
        if not USER_ID.match(user_id):
            raise SlackError("user_not_found")
        name = f"user-{user_id.lower()}"
        return {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "real_name": f"Test User {user_id}",
            "deleted": False,
            "is_bot": False,
            "is_admin": False,
            "tz": "America/Chicago",
            "tz_offset": -21600,
            "profile": {
                "real_name": f"Test User {user_id}",
                "display_name": name,
                "email": f"{name}@library.example",
            },
        }


def _channel(args: dict[str, Any]) -> str:
    channel = str(args["channel"])
    if not CHANNEL_ID.match(channel):
        raise SlackError("channel_not_found")
    # posting to a user id lands in the bot's DM with that user
    return "D" + channel[1:] if channel[0] in "UW" else channel


def _message_content(args: dict[str, Any]) -> None:
    if not any(args.get(k) for k in ("text", "blocks", "attachments")):
        raise SlackError("no_text")
    if len(str(args.get("text") or "")) > MAX_TEXT:
        raise SlackError("msg_too_long")
    if "blocks" in args:
        try:
            check_blocks(args["blocks"], surface="message")
        except AssertionError as e:
            raise SlackError("invalid_blocks", [f"[ERROR] {e}"]) from None


def _view_arg(args: dict[str, Any], surface: str | None = None) -> dict[str, Any]:
    view = args["view"]
    try:
        check_view(view)
        if surface and view["type"] != surface:
            raise AssertionError(f"view.type must be {surface} for this method")
    except AssertionError as e:
        raise SlackError("invalid_arguments", [f"[ERROR] {e} [json-pointer:/view]"]) from None
    return view


def _stored_view(
    state: SlackState, view: dict[str, Any], view_id: str | None = None
) -> dict[str, Any]:
    view_id = view_id or _id("V")
    stored = {
        "callback_id": "",
        "private_metadata": "",
        "external_id": "",
        "clear_on_close": False,
        "notify_on_close": False,
        **view,
        "id": view_id,
        "team_id": TEAM_ID,
        "app_id": APP_ID,
        "bot_id": BOT_ID,
        "app_installed_team_id": TEAM_ID,
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "root_view_id": view_id,
        "previous_view_id": None,
    }
    state.views[view_id] = stored
    return stored


def auth_test(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": "https://test-library.slack.com/",
        "team": "Test Library",
        "user": "patronguard",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def _metadata(args: dict[str, Any]) -> None:
    """Message metadata as Slack accepts it: an event type and a JSON object payload."""
    if "metadata" not in args:
        return
    metadata = args["metadata"]
    if (
        not isinstance(metadata, dict)
        or not re.fullmatch(r"[a-zA-Z0-9_]{1,255}", str(metadata.get("event_type") or ""))
        or not isinstance(metadata.get("event_payload"), dict)
        or set(metadata) - {"event_type", "event_payload"}
    ):
        raise SlackError("invalid_metadata_format")
    if len(json.dumps(metadata)) > MAX_METADATA:
        raise SlackError("metadata_too_large")


def chat_post_message(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(args)
    _message_content(args)
    _metadata(args)
    keys = ("text", "blocks", "attachments", "thread_ts", "metadata")
    content = {k: args[k] for k in keys if k in args}
    fields = {"user": BOT_USER_ID, "bot_id": BOT_ID, "app_id": APP_ID, "team": TEAM_ID, **content}
    ts = state.add_message(channel, **fields)
    return {"channel": channel, "ts": ts, "message": state.messages[(channel, ts)]}


def chat_post_ephemeral(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    _channel(args)
    _message_content(args)
    if not USER_ID.match(str(args["user"])):
        raise SlackError("user_not_found")
    return {"message_ts": state.next_ts()}


def _existing(state: SlackState, args: dict[str, Any]) -> tuple[str, str]:
    key = (_channel(args), str(args["ts"]))
    if key not in state.messages:
        raise SlackError("message_not_found")
    return key


def chat_update(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    key = _existing(state, args)
    _message_content(args)
    content = {k: args[k] for k in ("text", "blocks", "attachments") if k in args}
    state.messages[key].update(content, edited={"user": BOT_USER_ID, "ts": state.next_ts()})
    return {
        "channel": key[0],
        "ts": key[1],
        "text": args.get("text", ""),
        "message": state.messages[key],
    }


def chat_delete(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    key = _existing(state, args)
    del state.messages[key]
    return {"channel": key[0], "ts": key[1]}


def conversations_history(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    """A channel's messages, newest first; metadata only when asked for, as Slack does."""
    channel = _channel(args)
    with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
    limit = int(args.get("limit") or 100)
    if not 1 <= limit <= 999:
        raise SlackError("invalid_limit")
    found = sorted(
        (m for (c, _), m in state.messages.items() if c == channel),
        key=lambda m: m["ts"],
        reverse=True,
    )[:limit]
    messages = [{k: v for k, v in m.items() if with_metadata or k != "metadata"} for m in found]
    return {"messages": messages, "has_more": False, "pin_count": 0}


def conversations_open(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    if args.get("channel"):
        return {"channel": {"id": _channel(args)}}
    users = [u for u in str(args.get("users") or "").split(",") if u]
    if not users:
        raise SlackError("users_list_not_supplied")
    if not all(USER_ID.match(u) for u in users):
        raise SlackError("user_not_found")
    channel_id = "D" + users[0][1:] if len(users) == 1 else "G" + secrets.token_hex(4).upper()
    return {"no_op": False, "already_open": False, "channel": {"id": channel_id}}


def users_info(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    return {"user": state.user(str(args["user"]))}


def views_open(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    view = _view_arg(args, surface="modal")
    state.use_trigger(str(args["trigger_id"]))
    return {"view": _stored_view(state, view)}


def views_push(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    return views_open(state, args)


def views_update(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    view = _view_arg(args)
    if args.get("view_id"):
        current = state.views.get(str(args["view_id"]))
    elif args.get("external_id"):
        ext = str(args["external_id"])
        current = next((v for v in state.views.values() if v.get("external_id") == ext), None)
    else:
        raise SlackError("invalid_arguments", ["[ERROR] view_id or external_id is required"])
    if current is None:
        raise SlackError("not_found")
    if args.get("hash") and args["hash"] != current["hash"]:
        raise SlackError("hash_conflict")
    return {"view": _stored_view(state, view, view_id=current["id"])}


def views_publish(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    view = _view_arg(args, surface="home")
    user_id = str(args["user_id"])
    state.user(user_id)
    current = state.home_views.get(user_id)
    if args.get("hash") and (current is None or args["hash"] != current["hash"]):
        raise SlackError("hash_conflict")
    stored = _stored_view(state, view, view_id=current["id"] if current else None)
    state.home_views[user_id] = stored
    return {"view": stored}


def apps_connections_open(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    return {"url": state.socket_url()}


Handler = Callable[[SlackState, dict[str, Any]], dict[str, Any]]

HANDLERS: dict[str, Handler] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "conversations.open": conversations_open,
    "conversations.history": conversations_history,
    "users.info": users_info,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
    "apps.connections.open": apps_connections_open,
}
