"""`patronguard backup`: an online copy of the live database, checked and private."""

from __future__ import annotations

import sqlite3
import stat

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from bot.backup import BackupError, backup_database
from bot.cli import cli
from handlers.cases import report_inquiry
from storage import cases


def read_only(path) -> Database:
    return Database(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True))


async def test_backup_of_the_live_database_holds_the_case(services, staff, db_path, tmp_path):
    reply = await report_inquiry(services, staff)  # the store stays open, as under serve
    target = tmp_path / "backups" / "patronguard-copy.db"
    target.parent.mkdir()
    result = backup_database(db_path, target)
    assert result.integrity == "ok" and result.size_bytes > 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no -wal, no partial
    copy = read_only(target)
    try:
        case = cases.get_case(copy, reply.case_id)
        mode = copy.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        copy.conn.close()
    assert case is not None and case.reporter_id == staff.user_id
    assert mode == "delete"  # a single self-contained file


async def test_refuses_to_overwrite_without_force(services, staff, db_path, tmp_path):
    target = tmp_path / "copy.db"
    target.write_bytes(b"an older backup")
    with pytest.raises(BackupError, match="--force"):
        backup_database(db_path, target)
    assert target.read_bytes() == b"an older backup"
    reply = await report_inquiry(services, staff)
    backup_database(db_path, target, force=True)
    copy = read_only(target)
    try:
        assert cases.get_case(copy, reply.case_id) is not None
    finally:
        copy.conn.close()


def test_command_backs_up_and_warns_about_purged_data(services, db_path, tmp_path):
    target = tmp_path / "copy.db"
    result = CliRunner().invoke(cli, ["backup", str(target), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert f"to {target}" in result.output and "integrity check ok" in result.output
    assert "keeps what is later purged" in result.output
    again = CliRunner().invoke(cli, ["backup", str(target), "--db", str(db_path)])
    assert again.exit_code == 1 and "already exists; use --force" in again.output


def test_missing_database_is_a_clear_error(tmp_path):
    missing = tmp_path / "nowhere.db"
    result = CliRunner().invoke(
        cli, ["backup", str(tmp_path / "copy.db"), "--db", str(missing)], env={}
    )
    assert result.exit_code == 1
    assert f"no database at {missing}" in result.output and "PATRONGUARD_DB" in result.output
    assert not (tmp_path / "copy.db").exists() and not missing.exists()


def test_a_file_that_is_not_a_database_is_refused_cleanly(tmp_path):
    fake = tmp_path / "notes.db"
    fake.write_bytes(b"this is not a database, just some bytes " * 200)
    with pytest.raises(BackupError, match="could not back up"):
        backup_database(fake, tmp_path / "copy.db")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]
