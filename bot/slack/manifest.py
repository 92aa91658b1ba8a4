"""The Slack app manifest IT pastes into api.slack.com to create the PatronGuard app.

`slack_manifest` returns the manifest as a dict and `slack_manifest_yaml` as commented YAML
ready to paste. Both raise ValueError with a message fit to show the person running the
command when an argument would give Slack a manifest it rejects or an app that cannot work.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

EVENTS_PATH = "/slack/events"
SHORTCUT_CALLBACK_ID = "report_records_request"
USAGE_HINT = "[help|drill|status|report]"

# Each scope with what PatronGuard does with it; IT sees these in the YAML and the README.
# There is deliberately no channels:history: PatronGuard never reads channel conversations.
# The text of a direct message or mention is read only to tell a command word (help, status)
# from a report; it is never kept or logged (handlers/commands.py).
BOT_SCOPES: dict[str, str] = {
    "commands": "the slash command and the 'Report a records request' shortcut",
    "chat:write": "send the steps, pages and case cards, and update them in place",
    "im:write": "start a direct message with an officer or staff member to page them or "
    "send their case card",
    "im:history": "be told when someone writes to PatronGuard in its direct messages (the "
    "text only tells a command word from a report, and is never kept), and, after a restart, "
    "find a page PatronGuard itself already sent so it is never sent twice",
    "app_mentions:read": "be told when someone @mentions PatronGuard, which is answered "
    "privately; the text only tells a command word from a report, and is never kept",
}
BOT_EVENTS: tuple[str, ...] = ("app_home_opened", "app_mention", "message.im")

_APP_NAME_MAX = 35  # Slack's limit for display_information.name
_COMMAND_MAX = 32  # Slack's limit for a slash command, slash included
_URL_MAX = 3000  # the tightest of Slack's request URL limits (slash command url)
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

_DESCRIPTION = (
    "Helps library staff handle demands for patron records: report it, page the "
    "responsible officer, follow the ALA steps."
)
_LONG_DESCRIPTION = (
    "When a police officer, federal agent, attorney or anyone else asks library staff for "
    "information about a patron, PatronGuard helps the library respond calmly and lawfully. "
    "Staff report the request with the slash command or the 'Report a records request' "
    "shortcut; PatronGuard pages the library's responsible officer at once and walks "
    "everyone through the American Library Association's six-step procedure for requests "
    "for library records. Use the drill option to practise before a real request arrives. "
    "PatronGuard does not give legal advice."
)
_COMMAND_DESCRIPTION = "Report a demand for patron records, run a drill, or check a case's status"
_SHORTCUT_DESCRIPTION = "Someone is asking for patron records: get the officer and the steps"
_BACKGROUND_COLOR = "#1F3A5F"


def slack_manifest(
    *,
    app_name: str = "PatronGuard",
    command: str = "/records-request",
    request_url: str | None,
    socket_mode: bool,
) -> dict[str, Any]:
    """Build the Slack app manifest for PatronGuard.

    With socket_mode=True the manifest carries no URLs and request_url is ignored (the app
    connects out to Slack). Otherwise request_url is required: events, the slash command and
    interactivity all go to that one URL, because PatronGuard serves them all at
    POST /slack/events; a URL without a path gets /slack/events appended. It must be https,
    except http to localhost/127.0.0.1 for local testing.

    Raises ValueError for a missing or unusable URL, an invalid command or an invalid name.
    """
    name = _check_app_name(app_name)
    _check_command(command)
    url = None if socket_mode else _normalise_request_url(request_url)

    slash_command: dict[str, Any] = {
        "command": command,
        "description": _COMMAND_DESCRIPTION,
        "usage_hint": USAGE_HINT,
        "should_escape": False,
    }
    event_subscriptions: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if url is not None:
        slash_command["url"] = url
        event_subscriptions = {"request_url": url, **event_subscriptions}
        interactivity["request_url"] = url

    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": _DESCRIPTION,
            "long_description": _LONG_DESCRIPTION,
            "background_color": _BACKGROUND_COLOR,
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [slash_command],
            "shortcuts": [
                {
                    "name": "Report a records request",
                    "type": "global",
                    "callback_id": SHORTCUT_CALLBACK_ID,
                    "description": _SHORTCUT_DESCRIPTION,
                }
            ],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": event_subscriptions,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def slack_manifest_yaml(
    *,
    app_name: str = "PatronGuard",
    command: str = "/records-request",
    request_url: str | None,
    socket_mode: bool,
) -> str:
    """The same manifest as `slack_manifest`, as YAML with a header telling IT where to paste it.

    Each bot scope carries a trailing comment giving the reason for it. Raises as
    `slack_manifest` does.
    """
    manifest = slack_manifest(
        app_name=app_name, command=command, request_url=request_url, socket_mode=socket_mode
    )
    body = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=10_000)
    return _header(manifest, socket_mode) + _comment_scopes(body)


def _header(manifest: dict[str, Any], socket_mode: bool) -> str:
    lines = [
        f"# Slack app manifest for {manifest['display_information']['name']}.",
        "# To create the app: open https://api.slack.com/apps, choose Create New App,",
        "# then From a manifest; pick the workspace, select YAML and paste this whole file.",
    ]
    if socket_mode:
        lines += [
            "# Socket Mode: no public URL is needed. After creating the app, make an",
            "# app-level token with the connections:write scope (Basic Information).",
        ]
    else:
        url = manifest["settings"]["interactivity"]["request_url"]
        lines.append(f"# Slack sends events, the slash command and button clicks to {url}")
    return "\n".join(lines) + "\n\n"


def _comment_scopes(body: str) -> str:
    out = []
    for line in body.splitlines():
        scope = line.strip().removeprefix("- ")
        # Scope names never occur as bare list items anywhere else in the manifest.
        if line.strip().startswith("- ") and scope in BOT_SCOPES:
            line = f"{line}  # {BOT_SCOPES[scope]}"
        out.append(line)
    return "\n".join(out) + "\n"


def _check_app_name(app_name: str) -> str:
    name = app_name.strip()
    if not name:
        raise ValueError("The app name must not be empty.")
    if not name.isprintable():
        raise ValueError(
            f"The app name {name!r} must not contain line breaks or control characters."
        )
    if len(name) > _APP_NAME_MAX:
        raise ValueError(
            f"The app name {name!r} is {len(name)} characters; Slack allows at most "
            f"{_APP_NAME_MAX}."
        )
    return name


def _check_command(command: str) -> None:
    if not command.startswith("/") or len(command) < 2:
        raise ValueError(
            f"The slash command {command!r} must start with '/', e.g. /records-request."
        )
    if any(ch.isspace() or not ch.isprintable() for ch in command):
        raise ValueError(f"The slash command {command!r} must not contain spaces.")
    if command != command.lower():
        raise ValueError(f"The slash command {command!r} must be lowercase.")
    if len(command) > _COMMAND_MAX:
        raise ValueError(
            f"The slash command {command!r} is {len(command)} characters; Slack allows at most "
            f"{_COMMAND_MAX}, slash included."
        )


def _normalise_request_url(request_url: str | None) -> str:
    if request_url is None or not request_url.strip():
        raise ValueError(
            "--url is required unless --socket-mode is used: give the public https address "
            "where PatronGuard receives Slack requests, e.g. https://patronguard.example.org"
        )
    url = request_url.strip()
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ValueError(f"The URL {url!r} must not contain spaces or control characters.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        host = parts.hostname
        _ = parts.port  # reading the port is what validates it
    except ValueError as exc:
        raise ValueError(f"The URL {url!r} has an invalid port.") from exc
    if scheme not in ("https", "http") or not host:
        raise ValueError(
            f"The URL {url!r} is not a web address; give one like https://patronguard.example.org"
        )
    if scheme == "http" and host not in _LOCAL_HOSTS:
        raise ValueError(
            f"The URL {url!r} must use https; Slack only sends requests to https addresses "
            "(plain http is accepted for localhost and 127.0.0.1 only)."
        )
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"The URL {url!r} must not contain a user name or password.")
    if parts.fragment:
        raise ValueError(f"The URL {url!r} must not contain a '#' fragment.")
    path = parts.path if parts.path not in ("", "/") else EVENTS_PATH
    normalised = urlunsplit((scheme, parts.netloc, path, parts.query, ""))
    if len(normalised) > _URL_MAX:
        raise ValueError(
            f"The URL is {len(normalised)} characters; Slack allows at most {_URL_MAX}."
        )
    return normalised
