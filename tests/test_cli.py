from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import cli


def all_commands():
    return sorted(cli.commands)


@pytest.mark.parametrize("name", all_commands())
def test_every_command_has_help_with_an_example(name):
    command = cli.commands[name]
    assert command.help and "Example:" in command.help


def test_init_writes_a_starter_that_check_accepts(tmp_path):
    runner = CliRunner()
    path = tmp_path / "patronguard.yaml"
    assert runner.invoke(cli, ["init", str(path)]).exit_code == 0
    again = runner.invoke(cli, ["init", str(path)])
    assert again.exit_code != 0 and "--force" in again.output
    checked = runner.invoke(cli, ["check", "--config", str(path)], env={"SLACK_BOT_TOKEN": ""})
    assert checked.exit_code == 0, checked.output
    assert "Lee Park" in checked.output  # warned: can only be phoned


def test_check_reports_every_planted_mistake_and_exits_1(tmp_path):
    playbook = tmp_path / "local.yaml"
    playbook.write_text("steps:\n  - id: refer\n    actr: staff\n", encoding="utf-8")
    path = tmp_path / "patronguard.yaml"
    path.write_text(
        """library:
  name: Test Library
  timezone: Nowhere/Here
officers:
  - name: A
    email: not-an-email
playbooks: [local.yaml]
""",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["check", "--config", str(path)], env={"SLACK_BOT_TOKEN": "xoxp-wrong"}
    )
    assert result.exit_code == 1
    assert "patronguard.yaml:3 at library.timezone" in result.output
    assert "patronguard.yaml:6 at officers[0].email" in result.output
    # the config's own mistakes do not hide the playbook's or the environment's
    assert "local.yaml:3 at steps[0].actr: unknown key 'actr': did you mean 'actor'?" in (
        result.output
    )
    assert "SLACK_BOT_TOKEN looks wrong" in result.output
    assert "4 problem(s)" in result.output


def test_check_with_missing_file_says_so(tmp_path):
    result = CliRunner().invoke(cli, ["check", "--config", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1 and "no config file here" in result.output
    assert "patronguard init" in result.output


def test_purge_dry_run_and_purge_on_a_config(tmp_path):
    from click.testing import CliRunner

    config = tmp_path / "patronguard.yaml"
    assert CliRunner().invoke(cli, ["init", str(config)]).exit_code == 0
    db = tmp_path / "p.db"
    dry = CliRunner().invoke(cli, ["purge", "--dry-run", "--config", str(config), "--db", str(db)])
    assert dry.exit_code == 0, dry.output
    assert "Would remove: 0 closed case(s), 0 drill(s), 0 demand-log row(s)" in dry.output
    real = CliRunner().invoke(cli, ["purge", "--config", str(config), "--db", str(db)])
    assert real.exit_code == 0 and "Removed:" in real.output


def test_purge_with_unwritable_database_says_what_to_check(tmp_path):
    config = tmp_path / "patronguard.yaml"
    CliRunner().invoke(cli, ["init", str(config)])
    bad = tmp_path / "missing-dir" / "p.db"
    result = CliRunner().invoke(cli, ["purge", "--config", str(config), "--db", str(bad)])
    assert result.exit_code == 1 and "there is no folder" in result.output
    assert "check --db or PATRONGUARD_DB" in result.output and not bad.parent.exists()


def test_check_catches_missing_fallback_secrets(tmp_path):
    config = tmp_path / "patronguard.yaml"
    CliRunner().invoke(cli, ["init", str(config)])
    text = config.read_text() + "\nwebhook:\n  url: https://relay.riverside-library.example/p\n"
    config.write_text(text)
    result = CliRunner().invoke(
        cli, ["check", "--config", str(config)], env={"PATRONGUARD_WEBHOOK_SECRET": ""}
    )
    assert result.exit_code == 1 and "PATRONGUARD_WEBHOOK_SECRET" in result.output


def test_manifest_teams_takes_the_website_from_the_config(tmp_path):
    import json
    import zipfile

    config = tmp_path / "patronguard.yaml"
    CliRunner().invoke(cli, ["init", str(config)])
    out = tmp_path / "app.zip"
    env = {"MICROSOFT_APP_ID": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"}
    made = CliRunner().invoke(
        cli, ["manifest", "teams", "--out", str(out), "--config", str(config)], env=env
    )
    assert made.exit_code == 0, made.output
    manifest = json.loads(zipfile.ZipFile(out).read("manifest.json"))
    assert manifest["developer"]["websiteUrl"] == (
        "https://www.riverside-library.example/patronguard"
    )
    config.write_text(config.read_text().split("\nteams:")[0] + "\n")
    missing = CliRunner().invoke(
        cli, ["manifest", "teams", "--out", str(out), "--config", str(config)], env=env
    )
    assert missing.exit_code == 2 and "teams.website_url" in missing.output
