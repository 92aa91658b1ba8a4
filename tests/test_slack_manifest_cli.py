"""`patronguard manifest slack`: prints the manifest bot.slack.manifest builds, or says why not."""

from __future__ import annotations

import yaml
from click.testing import CliRunner

from bot.cli import cli
from bot.slack.manifest import slack_manifest


def test_manifest_slack_prints_the_http_manifest() -> None:
    result = CliRunner().invoke(cli, ["manifest", "slack", "--url", "https://pg.example.org"])
    assert result.exit_code == 0, result.output
    expected = slack_manifest(request_url="https://pg.example.org", socket_mode=False)
    assert yaml.safe_load(result.output) == expected
    assert result.output.startswith("# Slack app manifest")


def test_manifest_slack_socket_mode_needs_no_url() -> None:
    result = CliRunner().invoke(cli, ["manifest", "slack", "--socket-mode"])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.output)["settings"]["socket_mode_enabled"] is True


def test_manifest_slack_takes_the_configured_command() -> None:
    args = ["manifest", "slack", "--socket-mode", "--command", "/privacy-request"]
    result = CliRunner().invoke(cli, args)
    [command] = yaml.safe_load(result.output)["features"]["slash_commands"]
    assert command["command"] == "/privacy-request"


def test_manifest_slack_without_url_explains_and_fails() -> None:
    result = CliRunner().invoke(cli, ["manifest", "slack"])
    assert result.exit_code == 2
    assert "--url is required unless --socket-mode" in result.output


def test_manifest_help_has_an_example() -> None:
    group = cli.commands["manifest"]
    assert "Example:" in (group.help or "")
    assert "Example:" in (group.commands["slack"].help or "")
