"""Build and sign request bodies the way Slack sends them to an app's HTTP endpoints."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

TEAM_ID = "T0001"
APP_ID = "A0001"
BOT_USER_ID = "UBOT"
# legacy verification token Slack still includes in payloads; Bolt ignores it
VERIFICATION_TOKEN = "legacy-verification-token"


def sign_request(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack would send with `body`: v0 HMAC-SHA256 over "v0:<timestamp>:<body>"."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def new_trigger_id() -> str:
    return f"{secrets.randbelow(10**11)}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"


def slash_command_fields(
    command: str = "/records-request",
    text: str = "",
    user_id: str = "U1",
    channel_id: str = "C1",
    trigger_id: str | None = None,
    response_url: str | None = None,
    team_id: str = TEAM_ID,
) -> dict[str, str]:
    """The fields of a slash command, as the form body (HTTP) or the payload (Socket Mode)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": "test-library",
        "channel_id": channel_id,
        "channel_name": "directmessage" if channel_id.startswith("D") else "records",
        "user_id": user_id,
        "user_name": f"user-{user_id.lower()}",
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url or f"https://hooks.slack.com/commands/{team_id}/1/x",
        "trigger_id": trigger_id or new_trigger_id(),
    }


def slash_command_body(
    command: str = "/records-request",
    text: str = "",
    user_id: str = "U1",
    channel_id: str = "C1",
    trigger_id: str | None = None,
    response_url: str | None = None,
    team_id: str = TEAM_ID,
) -> bytes:
    """A slash command request body, form-encoded as Slack posts it."""
    fields = slash_command_fields(
        command, text, user_id, channel_id, trigger_id, response_url, team_id
    )
    return urlencode(fields).encode()


def interaction_body(payload: dict[str, Any]) -> bytes:
    """An interactivity request body: one form field `payload` holding the JSON."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def event_envelope(
    event: dict[str, Any],
    event_id: str = "Ev1",
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    event_time: int | None = None,
) -> dict[str, Any]:
    """An Events API event_callback envelope (the HTTP body, or the Socket Mode payload)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_urlsafe(24)}",
    }


def event_body(
    event: dict[str, Any],
    event_id: str = "Ev1",
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    event_time: int | None = None,
) -> bytes:
    """An Events API request body as JSON bytes."""
    return json.dumps(event_envelope(event, event_id, team_id, api_app_id, event_time)).encode()


def url_verification_body(challenge: str) -> bytes:
    return json.dumps(
        {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    ).encode()
