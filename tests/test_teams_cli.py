"""`patronguard manifest teams` and the Teams warning of `patronguard check`."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from handlers.commands import COMMAND_MENU
from storage import conversations
from storage.db import connect
from tests.standins.payload_checks import check_teams_manifest

APP_ID = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
SITE = "https://library.example.org/patronguard"
CONFIG = """library:
  name: Test Library
officers:
  - name: Dana Whitfield
    teams_id: "29:1dana"
    phone: "+1 555 010 0101"
  - name: Sam Ortega
    teams_id: "29:1sam"
    phone: "+1 555 010 0102"
"""


def test_manifest_teams_writes_a_package_valid_against_the_teams_schema(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    result = CliRunner().invoke(
        cli,
        ["manifest", "teams", "--out", str(out), "--website-url", SITE],
        env={"MICROSOFT_APP_ID": APP_ID},
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
    check_teams_manifest(manifest)
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and bot["scopes"] == ["personal", "team"]
    commands = bot["commandLists"][0]["commands"]
    assert [(c["title"], c["description"]) for c in commands] == list(COMMAND_MENU)
    assert manifest["developer"]["privacyUrl"] == SITE


def test_manifest_teams_explains_what_is_missing_or_wrong(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    runner = CliRunner()
    base = ["manifest", "teams", "--out", str(out), "--website-url", SITE]
    missing = runner.invoke(cli, base, env={"MICROSOFT_APP_ID": ""})
    assert missing.exit_code == 2 and "MICROSOFT_APP_ID" in missing.output
    wrong = runner.invoke(cli, [*base, "--app-id", "patronguard"])
    assert wrong.exit_code == 2 and "not a GUID" in wrong.output
    insecure = runner.invoke(cli, [*base[:-1], "http://library.example.org", "--app-id", APP_ID])
    assert insecure.exit_code == 2 and "https" in insecure.output
    assert not out.exists()


def test_check_warns_for_officers_who_never_opened_the_app(tmp_path: Path) -> None:
    config = tmp_path / "patronguard.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    db_path = tmp_path / "patronguard.db"
    runner = CliRunner()
    env = {"PATRONGUARD_DB": str(db_path), "SLACK_BOT_TOKEN": ""}

    before = runner.invoke(cli, ["check", "--config", str(config)], env=env)
    assert before.exit_code == 0 and "open PatronGuard in Teams" not in before.output
    assert not db_path.exists()  # check never creates the database

    db = connect(db_path)
    conversations.save_reference(db, "29:1dana", {"conversation": {"id": "a:1"}}, at="2026")
    db.conn.close()
    digest = hashlib.sha256(db_path.read_bytes()).hexdigest()
    after = runner.invoke(cli, ["check", "--config", str(config)], env=env)
    assert after.exit_code == 0, after.output
    assert "at officers[1]: Sam Ortega has a teams_id" in after.output
    assert "ask them to open PatronGuard in Teams once" in after.output
    assert "Dana Whitfield) has a teams_id" not in after.output
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == digest
