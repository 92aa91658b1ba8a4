"""The Slack app manifest: shape, minimal scopes, URL handling and refusals."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.slack.manifest import slack_manifest, slack_manifest_yaml

URL = "https://patronguard.example.org/slack/events"
EXPECTED_SCOPES = {
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "app_mentions:read",
}


def http_manifest(**kwargs: Any) -> dict[str, Any]:
    return slack_manifest(request_url=kwargs.pop("request_url", URL), socket_mode=False, **kwargs)


def socket_manifest(**kwargs: Any) -> dict[str, Any]:
    return slack_manifest(request_url=None, socket_mode=True, **kwargs)


def all_strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in all_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in all_strings(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("socket_mode", [True, False])
def test_yaml_parses_to_the_same_manifest(socket_mode: bool) -> None:
    url = None if socket_mode else URL
    text = slack_manifest_yaml(request_url=url, socket_mode=socket_mode)
    assert yaml.safe_load(text) == slack_manifest(request_url=url, socket_mode=socket_mode)


def test_yaml_header_says_where_to_paste() -> None:
    text = slack_manifest_yaml(request_url=URL, socket_mode=False)
    header = text.split("\n\n", 1)[0]
    assert all(line.startswith("#") for line in header.splitlines())
    assert "api.slack.com/apps" in header
    assert "Create New App" in header
    assert "From a manifest" in header
    assert URL in header


def test_yaml_header_for_socket_mode_mentions_the_app_level_token() -> None:
    header = slack_manifest_yaml(request_url=None, socket_mode=True).split("\n\n", 1)[0]
    assert "Socket Mode" in header
    assert "connections:write" in header
    assert "http" not in header.replace("https://api.slack.com/apps", "")


def test_every_scope_is_justified_in_the_yaml() -> None:
    lines = slack_manifest_yaml(request_url=URL, socket_mode=False).splitlines()
    for scope in EXPECTED_SCOPES:
        [line] = [ln for ln in lines if ln.strip().startswith(f"- {scope} ")]
        assert "  # " in line and len(line.split("  # ", 1)[1]) > 10


@pytest.mark.parametrize("build", [http_manifest, socket_manifest])
def test_bot_scopes_are_exactly_the_minimal_set(build: Any) -> None:
    scopes = build()["oauth_config"]["scopes"]
    assert set(scopes) == {"bot"}
    assert len(scopes["bot"]) == len(set(scopes["bot"]))
    assert set(scopes["bot"]) == EXPECTED_SCOPES
    assert not any(s.startswith(("channels:", "groups:", "mpim:")) for s in scopes["bot"])


def test_features_and_settings() -> None:
    m = http_manifest()
    assert m["display_information"]["name"] == "PatronGuard"
    assert m["features"]["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }
    assert m["features"]["bot_user"] == {"display_name": "PatronGuard", "always_online": True}
    [command] = m["features"]["slash_commands"]
    assert command["command"] == "/records-request"
    assert command["usage_hint"] == "[help|drill|status|report]"
    assert command["should_escape"] is False
    assert command["description"]
    [shortcut] = m["features"]["shortcuts"]
    assert shortcut["name"] == "Report a records request"
    assert shortcut["type"] == "global"
    assert shortcut["callback_id"] == "report_records_request"
    assert shortcut["description"]
    settings = m["settings"]
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "app_mention",
        "message.im",
    ]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


@pytest.mark.parametrize("build", [http_manifest, socket_manifest])
def test_values_fit_slacks_field_limits(build: Any) -> None:
    m = build()
    info = m["display_information"]
    assert 1 <= len(info["name"]) <= 35
    assert 1 <= len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    assert info["background_color"].startswith("#") and len(info["background_color"]) == 7
    assert len(m["features"]["bot_user"]["display_name"]) <= 80
    [command] = m["features"]["slash_commands"]
    assert 1 <= len(command["description"]) <= 2000
    assert 1 <= len(command["usage_hint"]) <= 1000
    [shortcut] = m["features"]["shortcuts"]
    assert 1 <= len(shortcut["name"]) <= 24
    assert 1 <= len(shortcut["description"]) <= 150


def test_socket_mode_has_no_urls_anywhere() -> None:
    m = socket_manifest()
    assert m["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in m["settings"]["event_subscriptions"]
    assert "request_url" not in m["settings"]["interactivity"]
    assert "url" not in m["features"]["slash_commands"][0]
    assert not [s for s in all_strings(m) if "://" in s]


def test_socket_mode_ignores_a_given_url() -> None:
    with_url = slack_manifest(request_url=URL, socket_mode=True)
    assert with_url == socket_manifest()


def test_one_url_serves_events_commands_and_interactivity() -> None:
    m = http_manifest()
    assert m["settings"]["event_subscriptions"]["request_url"] == URL
    assert m["settings"]["interactivity"]["request_url"] == URL
    assert m["features"]["slash_commands"][0]["url"] == URL


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://pg.example.org", "https://pg.example.org/slack/events"),
        ("https://pg.example.org/", "https://pg.example.org/slack/events"),
        ("  https://pg.example.org  ", "https://pg.example.org/slack/events"),
        ("HTTPS://pg.example.org:8443", "https://pg.example.org:8443/slack/events"),
        ("https://pg.example.org/slack/events", "https://pg.example.org/slack/events"),
        ("https://proxy.example.org/pg/slack/events", "https://proxy.example.org/pg/slack/events"),
        ("https://pg.example.org?tenant=7", "https://pg.example.org/slack/events?tenant=7"),
        ("http://localhost:3000", "http://localhost:3000/slack/events"),
        ("http://127.0.0.1:3000/", "http://127.0.0.1:3000/slack/events"),
    ],
)
def test_url_normalisation(given: str, expected: str) -> None:
    m = http_manifest(request_url=given)
    urls = {
        m["settings"]["event_subscriptions"]["request_url"],
        m["settings"]["interactivity"]["request_url"],
        m["features"]["slash_commands"][0]["url"],
    }
    assert urls == {expected}


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_url_is_required_without_socket_mode(missing: str | None) -> None:
    with pytest.raises(ValueError, match=r"^--url is required unless --socket-mode"):
        slack_manifest(request_url=missing, socket_mode=False)
    with pytest.raises(ValueError, match=r"^--url is required unless --socket-mode"):
        slack_manifest_yaml(request_url=missing, socket_mode=False)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://pg.example.org", "must use https"),
        ("http://10.0.0.5:3000", "must use https"),
        ("ftp://pg.example.org", "not a web address"),
        ("pg.example.org/slack/events", "not a web address"),
        ("https://", "not a web address"),
        ("https://pg.example.org:99999", "invalid port"),
        ("https://user:secret@pg.example.org", "user name or password"),
        ("https://pg.example.org/#top", "fragment"),
        ("https://pg.example.org/slack events", "spaces"),
        ("https://pg.example.org/\nslack", "spaces"),
        ("https://pg.example.org/" + "a" * 3000, "at most 3000"),
    ],
)
def test_bad_urls_are_refused_clearly(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        http_manifest(request_url=url)


def test_custom_command_and_name() -> None:
    m = http_manifest(command="/pg-help_2", app_name="  Records Helper  ")
    assert m["features"]["slash_commands"][0]["command"] == "/pg-help_2"
    assert m["display_information"]["name"] == "Records Helper"
    assert m["features"]["bot_user"]["display_name"] == "Records Helper"


def test_longest_allowed_command() -> None:
    command = "/" + "r" * 31
    assert http_manifest(command=command)["features"]["slash_commands"][0]["command"] == command


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("records-request", "must start with '/'"),
        ("/", "must start with '/'"),
        ("", "must start with '/'"),
        ("/Records-Request", "must be lowercase"),
        ("/records request", "must not contain spaces"),
        ("/records\trequest", "must not contain spaces"),
        ("/" + "r" * 32, "at most 32"),
    ],
)
def test_bad_commands_are_refused_clearly(command: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        http_manifest(command=command)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("x" * 36, "at most 35"),
        ("Patron\nGuard", "line breaks"),
    ],
)
def test_bad_app_names_are_refused_clearly(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        socket_manifest(app_name=name)


def test_manifest_is_a_fresh_object_each_time() -> None:
    first = http_manifest()
    first["oauth_config"]["scopes"]["bot"].append("channels:history")
    first["settings"]["event_subscriptions"]["bot_events"].clear()
    second = http_manifest()
    assert set(second["oauth_config"]["scopes"]["bot"]) == EXPECTED_SCOPES
    assert second["settings"]["event_subscriptions"]["bot_events"]
