"""Retention reviews: when each was due, sent and done. Nothing about what was destroyed."""

from __future__ import annotations

from sqlite_utils import Database


def latest_review(db: Database) -> dict | None:
    rows = list(db["retention_reviews"].rows_where(order_by="id desc", limit=1))
    return rows[0] if rows else None


def get_review(db: Database, review_id: int) -> dict | None:
    rows = list(db["retention_reviews"].rows_where("id = ?", [review_id], limit=1))
    return rows[0] if rows else None


def add_review(db: Database, *, due_at: str) -> int:
    return int(db.table("retention_reviews").insert({"due_at": due_at}).last_pk or 0)


def mark_review_sent(db: Database, review_id: int, *, at: str) -> None:
    db.table("retention_reviews").update(review_id, {"sent_at": at})


def mark_review_done(db: Database, review_id: int, *, at: str, by: str) -> bool:
    cursor = db.execute(
        "UPDATE retention_reviews SET done_at = ?, done_by = ? WHERE id = ? AND done_at IS NULL",
        [at, by, review_id],
    )
    return cursor.rowcount == 1


def held_record_categories(db: Database) -> set[str]:
    """Record categories named by cases on an active legal hold."""
    rows = db.query(
        "SELECT DISTINCT record_category FROM cases WHERE legal_hold = 1 "
        "AND hold_released_at IS NULL AND record_category IS NOT NULL"
    )
    return {r["record_category"] for r in rows}
