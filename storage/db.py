"""Opening the SQLite file with the settings every connection needs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from storage.migrations import migrations

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",  # a page acknowledged must survive a power cut
    "PRAGMA secure_delete=ON",  # deleted bytes are overwritten, not left in free pages
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)


class StorageUnavailable(Exception):
    """The database cannot be written (read-only, full disk, missing directory)."""


def connect(path: Path | str) -> Database:
    """Open (creating if needed) and migrate the database at `path`."""
    path = Path(path)
    try:
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        for pragma in PRAGMAS:
            conn.execute(pragma)
        db = Database(conn)
        migrations.apply(db)
    except sqlite3.OperationalError as exc:
        raise StorageUnavailable(describe_storage_error(path, exc)) from None
    return db


def describe_storage_error(path: Path, exc: sqlite3.Error) -> str:
    """A message IT can act on; sqlite's own text names the condition, never data."""
    reason = str(exc).split(":")[0]
    return f"cannot write the database {path} ({reason}); check the disk space and permissions"


def pragma_values(db: Database) -> dict[str, object]:
    names = ("journal_mode", "synchronous", "secure_delete", "foreign_keys")
    return {name: db.execute(f"PRAGMA {name}").fetchone()[0] for name in names}
