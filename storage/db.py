"""Opening the SQLite file with the settings every connection needs."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
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


class NotADatabase(StorageUnavailable):
    """The file is there but is not a PatronGuard database: a mistyped path, most likely."""


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
    except sqlite3.DatabaseError as exc:
        raise NotADatabase(
            f"{path} is not a PatronGuard database ({_reason(exc)}); check --db or PATRONGUARD_DB"
        ) from None
    return db


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[Database]:
    """The database opened for reading only: nothing is created, migrated or locked for long.

    Raises StorageUnavailable when the file cannot be read as a database.
    """
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StorageUnavailable(describe_storage_error(path, exc)) from None
    try:
        conn.execute("PRAGMA busy_timeout=5000")  # wait out the writer's short transactions
        yield Database(conn)
    except sqlite3.Error as exc:
        raise StorageUnavailable(describe_storage_error(path, exc)) from None
    finally:
        conn.close()


def describe_storage_error(path: Path, exc: sqlite3.Error) -> str:
    """A message IT can act on; sqlite's own text names the condition, never data."""
    return (
        f"cannot write the database {path} ({_reason(exc)}); check the disk space and permissions"
    )


def _reason(exc: sqlite3.Error) -> str:
    return str(exc).split(":")[0]


def pragma_values(db: Database) -> dict[str, object]:
    names = ("journal_mode", "synchronous", "secure_delete", "foreign_keys")
    return {name: db.execute(f"PRAGMA {name}").fetchone()[0] for name in names}
