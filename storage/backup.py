"""SQLite's online backup of the live database into a file, and checking the copy."""

from __future__ import annotations

import sqlite3
from pathlib import Path


class CopyFailed(Exception):
    """SQLite could not copy or check the database; the message names the condition only."""

    def __init__(self, reason: str, *, not_a_database: bool = False):
        super().__init__(reason)
        self.not_a_database = not_a_database


def copy_database(source: Path, into: Path) -> None:
    """Copy the live database at `source` into the (existing, empty) file `into`, as one
    self-contained file: a consistent snapshot, even while the writer runs."""
    try:
        live = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            live.execute("PRAGMA busy_timeout=5000")  # wait out the writer's short transactions
            copy = sqlite3.connect(into)
            try:
                live.backup(copy)  # the whole database in one step
                copy.execute("PRAGMA journal_mode=DELETE")  # no -wal beside the copy
            finally:
                copy.close()
        finally:
            live.close()
    except sqlite3.Error as exc:
        raise _failed(exc) from None


def integrity(path: Path) -> str:
    """PRAGMA integrity_check of a file: "ok", or the first problems it names."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise _failed(exc) from None
    return "; ".join(str(r[0]) for r in rows[:3])


def _failed(exc: sqlite3.Error) -> CopyFailed:
    # SQLite's own words name the condition (locked, not a database), never the data.
    reason = str(exc).split(":")[0]
    return CopyFailed(reason, not_a_database="not a database" in reason)
