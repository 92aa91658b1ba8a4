"""Starting with Slack: clear errors for missing or malformed credentials (never showing
them), the Web API base URL, and the server's health naming the Slack channel."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.cli import cli
from bot.config import load_default_settings
from bot.server import RUNTIME, StartupError, create_app
from bot.slack.wiring import SocketModeLink, normalise_api_url, read_credentials
from tests.slack_harness import serve_slack
from tests.standins.slack_api import SlackStandIn

BOT = "xoxb-1-good-token"
SECRET = "0123456789abcdef0123456789abcdef"


def env(**changes: str) -> dict[str, str]:
    base = {"SLACK_BOT_TOKEN": BOT, "SLACK_SIGNING_SECRET": SECRET}
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


@pytest.mark.parametrize(
    ("changes", "socket_mode", "names", "hint"),
    [
        ({"SLACK_BOT_TOKEN": ""}, False, "SLACK_BOT_TOKEN", "OAuth & Permissions"),
        ({"SLACK_BOT_TOKEN": "xoxp-1-user-token-oops"}, False, "SLACK_BOT_TOKEN", "xoxb-"),
        ({"SLACK_BOT_TOKEN": "xoxb-has space"}, False, "SLACK_BOT_TOKEN", "xoxb-"),
        ({"SLACK_SIGNING_SECRET": ""}, False, "SLACK_SIGNING_SECRET", "--socket-mode"),
        ({"SLACK_SIGNING_SECRET": "not a secret!"}, False, "SLACK_SIGNING_SECRET", "Basic"),
        ({}, True, "SLACK_APP_TOKEN", "connections:write"),
        ({"SLACK_APP_TOKEN": "xoxb-1-wrong-kind"}, True, "SLACK_APP_TOKEN", "xapp-"),
        ({"SLACK_API_URL": "slack.example/api"}, False, "SLACK_API_URL", "GovSlack"),
    ],
)
def test_bad_credentials_are_named_with_the_fix_and_never_shown(
    tmp_path, changes, socket_mode, names, hint
):
    with pytest.raises(StartupError) as caught:
        create_app(
            load_default_settings(),
            tmp_path / "pg.db",
            env(**changes),
            socket_mode=socket_mode,
            slack=True,
            teams=False,
        )
    message = str(caught.value)
    assert names in message and hint in message
    for value in (*changes.values(), BOT, SECRET):
        if len(value) > 8:
            assert value not in message


def test_socket_mode_needs_no_signing_secret():
    found = read_credentials(
        env(SLACK_SIGNING_SECRET="", SLACK_APP_TOKEN="xapp-1-A1-abc"), socket_mode=True
    )
    assert found.signing_secret is None and found.app_token == "xapp-1-A1-abc"
    assert "xapp" not in repr(found) and "xoxb" not in repr(found)


def test_an_app_token_without_socket_mode_is_refused_with_both_ways_out():
    with pytest.raises(StartupError) as caught:
        read_credentials(env(SLACK_APP_TOKEN="xapp-1-A1-abc"), socket_mode=False)
    message = str(caught.value)
    assert "--socket-mode" in message and "unset SLACK_APP_TOKEN" in message
    assert "xapp-1-A1-abc" not in message


def test_surrounding_whitespace_from_secret_files_is_forgiven():
    found = read_credentials(env(SLACK_BOT_TOKEN=f" {BOT}\n"), socket_mode=False)
    assert found.bot_token == BOT


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, "https://slack.com/api/"),
        ("", "https://slack.com/api/"),
        ("https://slack-gov.com/api", "https://slack-gov.com/api/"),
        ("http://127.0.0.1:9000/api///", "http://127.0.0.1:9000/api/"),
    ],
)
def test_api_url_is_normalised(given, expected):
    assert normalise_api_url(given) == expected


async def test_health_names_slack_among_the_channels(tmp_path):
    app = create_app(load_default_settings(), tmp_path / "pg.db", env(), teams=False)
    async with TestClient(TestServer(app)) as client:
        answer = await client.get("/healthz")
        body = await answer.json()
    assert body["channels"] == ["slack"] and body["database_writable"] is True


def test_serve_explains_a_bad_token_and_exits(tmp_path):
    config = tmp_path / "patronguard.yaml"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(config)]).exit_code == 0
    result = runner.invoke(
        cli,
        ["serve", "--config", str(config), "--db", str(tmp_path / "pg.db")],
        env={"SLACK_BOT_TOKEN": "xoxp-1-user-token-oops", "SLACK_SIGNING_SECRET": SECRET},
    )
    assert result.exit_code == 1
    assert "SLACK_BOT_TOKEN is not a bot token" in result.output
    assert "xoxp-1-user-token-oops" not in result.output


async def test_a_refused_app_token_stops_socket_mode_startup_with_the_fix(tmp_path):
    with pytest.raises(StartupError, match="Check SLACK_APP_TOKEN") as caught:
        async with serve_slack(tmp_path, socket_mode=True, env={"SLACK_APP_TOKEN": "xapp-1-x"}):
            pass
    assert "invalid_auth" in str(caught.value) and "xapp-1-x" not in str(caught.value)


async def test_socket_mode_starts_anyway_when_slack_is_unreachable():
    async with SlackStandIn(token=BOT, app_token="xapp-1-A1-abc") as slack:
        client = AsyncWebClient(token=BOT, base_url=slack.api_url, retry_handlers=[])
        link = SocketModeLink(AsyncApp(client=client, signing_secret=""), "xapp-1-A1-abc")
        slack.fail_next("apps.connections.open", status=503)
        try:
            await link._check_token()  # warns and lets the server start; slack_sdk keeps trying
            await link._check_token()
        finally:
            await link.stop(web.Application())
        assert len(slack.calls_to("apps.connections.open")) == 1


def test_sdk_debug_logging_is_held_at_info_so_payloads_are_never_logged(tmp_path):
    import logging

    logging.getLogger("slack_sdk").setLevel(logging.DEBUG)
    try:
        app = create_app(load_default_settings(), tmp_path / "pg.db", env(), teams=False)
        app[RUNTIME].services.store.close()
        for name in ("slack_sdk", "slack_bolt", "patronguard.slack.bolt"):
            assert logging.getLogger(name).getEffectiveLevel() >= logging.INFO
    finally:
        logging.getLogger("slack_sdk").setLevel(logging.NOTSET)
