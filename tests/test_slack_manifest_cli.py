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


def test_scope_comments_and_the_readme_say_the_same_and_claim_no_reading() -> None:
    import re
    from pathlib import Path

    printed = CliRunner().invoke(cli, ["manifest", "slack", "--url", "https://pg.example.org"])
    comments = dict(re.findall(r"^ +- (\S+)  # (.+)$", printed.output, re.MULTILINE))
    readme = Path(__file__).parents[1].joinpath("README.md").read_text(encoding="utf-8")
    table = readme.split("| scope | what PatronGuard does with it |", 1)[1].split("\n\n", 1)[0]
    documented = dict(re.findall(r"^\| `(\S+)` \| (.+) \|$", table, re.MULTILINE))
    assert comments == documented
    assert set(comments) == set(yaml.safe_load(printed.output)["oauth_config"]["scopes"]["bot"])
    # What people write only tells a command word from a report, and is never kept.
    for scope in ("im:history", "app_mentions:read"):
        assert "the text only tells a command word from a report" in comments[scope]
        assert "never kept" in comments[scope]
    assert not any(re.search(r"\bread (what|the text|messages)", c) for c in comments.values())
    prose = " ".join(readme.split())
    assert "read only to tell a command word from a report, and is never kept or logged" in prose
