"""A new user's mistakes with paths and files: every command answers in one line, no traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli

ROOT = Path(__file__).parents[1]
# Variables that would point a command somewhere other than where the test says.
UNSET = {"PATRONGUARD_CONFIG": None, "PATRONGUARD_DB": None, "MICROSOFT_APP_ID": None}
CLICK_USAGE = ("Usage: ", "Try '")


def message_lines(output: str) -> list[str]:
    """What the person reads, without click's usage reminder for a mistyped option."""
    return [
        line for line in output.splitlines() if line.strip() and not line.startswith(CLICK_USAGE)
    ]


def assert_one_line_error(result: Result | subprocess.CompletedProcess) -> str:
    output = (result.stdout or "") + (result.stderr or "")
    code = result.exit_code if isinstance(result, Result) else result.returncode
    assert code != 0, output
    assert "Traceback" not in output
    if isinstance(result, Result):
        assert result.exception is None or isinstance(result.exception, SystemExit), output
    lines = message_lines(output)
    assert len(lines) == 1, output
    return lines[0]


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a good config, a file that is not a database, and the usual traps."""
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["init", "good.yaml"]).exit_code == 0
    (tmp_path / "notes.db").write_bytes(b"these are meeting notes, not a database " * 100)
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("library:\n  name: [unclosed\n", encoding="utf-8")
    (tmp_path / "binary.yaml").write_bytes(bytes(range(128, 256)))
    with sqlite3.connect(tmp_path / "real.db") as conn:  # someone else's database
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (x'fffe00ff')")
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    return tmp_path


# (command line, a word the one line must contain); paths are relative to `place`.
CASES: list[tuple[list[str], str]] = [
    # init
    (["init", "a-file/patronguard.yaml"], "not a folder"),
    (["init", "a-folder"], "is a directory"),
    (["init", "good.yaml"], "--force"),
    # check
    (["check", "--config", "missing/patronguard.yaml"], "patronguard init"),
    (["check", "--config", "a-folder"], "is a directory"),
    (["check", "--config", "empty.yaml"], "empty"),
    (["check", "--config", "broken.yaml"], "YAML syntax error"),
    (["check", "--config", "binary.yaml"], "not a text file"),
    (["check", "--config", "notes.db"], "mapping of keys"),
    (["check", "--config", "real.db"], "not a text file"),
    # report
    (["report", "--db", "notes.db"], "not a PatronGuard database"),
    (["report", "--db", "missing/p.db"], "no folder"),
    (["report", "--db", "a-folder"], "is a directory"),
    (["report", "--config", "missing.yaml", "--db", "p.db"], "patronguard init"),
    (["report", "--config", "empty.yaml"], "empty"),
    (["report", "--config", "binary.yaml"], "not a text file"),
    (["report", "--config", "good.yaml", "--db", "p.db", "--out", "a-folder"], "is a directory"),
    (["report", "--config", "good.yaml", "--db", "p.db", "--out", "a-file/r.md"], "not a folder"),
    (["report", "--drills", "--db", "notes.db"], "not a PatronGuard database"),
    # purge
    (["purge", "--db", "notes.db"], "not a PatronGuard database"),
    (["purge", "--dry-run", "--db", "missing/p.db"], "no folder"),
    (["purge", "--config", "broken.yaml"], "YAML syntax error"),
    (["purge", "--config", "a-folder"], "is a directory"),
    # backup
    (["backup", "copy.db", "--db", "notes.db"], "not a database"),
    (["backup", "copy.db", "--db", "missing.db"], "no database"),
    (["backup", "a-folder", "--db", "notes.db"], "is a directory"),
    (["backup", "a-file/copy.db", "--db", "notes.db"], "not a folder"),
    (["backup", "copy.db", "--config", "empty.yaml"], "empty"),
    # manifest
    (["manifest", "slack", "--url", "ftp://example.org"], "not a web address"),
    (["manifest", "slack"], "--url is required"),
    (["manifest", "teams", "--out", "app.zip"], "App ID"),
    (["manifest", "teams", "--out", "a-folder", "--app-id", "x"], "is a directory"),
    (["manifest", "teams", "--out", "app.zip", "--app-id", "x", "--config", "empty.yaml"], "empty"),
    # demo
    (["demo", "--scenario", "verbal", "--db", "missing/demo.db"], "no folder"),
    (["demo", "--scenario", "verbal", "--db", "notes.db"], "not a PatronGuard database"),
    (["demo", "--scenario", "verbal", "--db", "a-folder"], "is a directory"),
    # serve: the config is loaded, and refused, before anything listens
    (["serve", "--config", "missing.yaml"], "patronguard init"),
    (["serve", "--config", "empty.yaml"], "empty"),
    (["serve", "--config", "broken.yaml"], "YAML syntax error"),
    (["serve", "--config", "binary.yaml"], "not a text file"),
    (["serve", "--config", "notes.db"], "mapping of keys"),
    (["serve", "--config", "real.db"], "not a text file"),
    (["serve", "--config", "a-folder"], "is a directory"),
]


@pytest.mark.parametrize(("args", "says"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_each_mistake_gets_one_line_and_no_traceback(place: Path, args: list[str], says: str):
    line = assert_one_line_error(CliRunner().invoke(cli, args, env=UNSET))
    assert says in line


def test_a_config_nobody_may_read_is_one_line(place: Path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file: there is no unreadable file to give it")
    secret = place / "secret.yaml"
    secret.write_text((place / "good.yaml").read_text())
    secret.chmod(0)
    for args in (["check", "--config", "secret.yaml"], ["serve", "--config", "secret.yaml"]):
        assert "not readable" in assert_one_line_error(CliRunner().invoke(cli, args, env=UNSET))


def test_a_folder_nobody_may_write_is_one_line_with_what_to_do(place: Path):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere: there is no folder it may not write")
    locked = place / "locked"
    locked.mkdir(mode=0o500)
    line = assert_one_line_error(CliRunner().invoke(cli, ["init", "locked/etc/pg.yaml"]))
    assert "permission denied" in line and "sudo" in line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["init", "a-file/patronguard.yaml"], "part of that path is a file, not a folder"),
        (["report", "--db", "notes.db"], "is not a PatronGuard database"),
        (["check", "--config", "binary.yaml"], "not a text file"),
    ],
)
def test_the_installed_command_answers_in_one_line(place: Path, args: list[str], says: str):
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env["PYTHONPATH"] = str(ROOT)
    ran = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=place,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert says in assert_one_line_error(ran)


@pytest.mark.parametrize(
    ("args", "made"),
    [
        (["init", "etc/patronguard/patronguard.yaml"], "etc/patronguard/patronguard.yaml"),
        (
            ["report", "--config", "good.yaml", "--db", "p.db", "--out", "out/2026/r.html"],
            "out/2026/r.html",
        ),
        (["backup", "backups/daily/p.db", "--db", "live.db"], "backups/daily/p.db"),
    ],
)
def test_missing_folders_are_created(place: Path, args: list[str], made: str):
    sqlite3.connect(place / "live.db").close()
    result = CliRunner().invoke(cli, args, env=UNSET)
    assert result.exit_code == 0, result.output
    assert (place / made).is_file()
    assert f"Wrote {made}." in result.output or f"to {made} (" in result.output


def test_backup_makes_its_new_folder_private(place: Path):
    sqlite3.connect(place / "live.db").close()
    result = CliRunner().invoke(cli, ["backup", "vault/p.db", "--db", "live.db"], env=UNSET)
    assert result.exit_code == 0, result.output
    assert (place / "vault").stat().st_mode & 0o777 == 0o700
