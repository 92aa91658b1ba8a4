"""Delivery keys already handled: a retried delivery of the same event changes nothing."""

from __future__ import annotations

from sqlite_utils import Database


def claim(db: Database, key: str, *, at: str) -> bool:
    """Record a delivery key; False if it was recorded before (a retried delivery)."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO seen_events (key, case_id, seen_at) VALUES (?, NULL, ?)",
        [key, at],
    )
    return cursor.rowcount == 1


def was_claimed(db: Database, key: str) -> bool:
    return db.execute("SELECT 1 FROM seen_events WHERE key = ?", [key]).fetchone() is not None
