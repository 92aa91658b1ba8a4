"""The page outbox: every page, escalation timer and notice is a row with a dedup key."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from storage.records import PageKind, PageRecord


def queue_page(
    db: Database,
    *,
    case_id: str,
    dedup_key: str,
    kind: PageKind,
    recipient: str,
    channel: str,
    due_at: str,
    round: int = 0,
    position: int = 0,
    update_of: int | None = None,
) -> bool:
    """Queue a delivery; a repeated dedup key is ignored. True if a row was added."""
    before = db.execute("SELECT total_changes()").fetchone()[0]
    db.execute(
        "INSERT OR IGNORE INTO pages (case_id, dedup_key, kind, recipient, channel, round, "
        "position, due_at, next_attempt_at, update_of, status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued')",
        [case_id, dedup_key, kind, recipient, channel, round, position, due_at, due_at, update_of],
    )
    return db.execute("SELECT total_changes()").fetchone()[0] > before


def due_pages(db: Database, now: str, *, limit: int = 50) -> list[PageRecord]:
    rows = db.query(
        "SELECT * FROM pages WHERE status = 'queued' AND next_attempt_at <= ? "
        "ORDER BY next_attempt_at, id LIMIT ?",
        [now, limit],
    )
    return [PageRecord.from_row(r) for r in rows]


def next_due_at(db: Database) -> str | None:
    row = db.execute("SELECT min(next_attempt_at) FROM pages WHERE status = 'queued'").fetchone()
    return row[0]


def get_page(db: Database, page_id: int) -> PageRecord | None:
    rows = list(db["pages"].rows_where("id = ?", [page_id], limit=1))
    return PageRecord.from_row(rows[0]) if rows else None


def mark_sent(db: Database, page_id: int, *, at: str, delivery_ref: dict[str, Any] | None) -> bool:
    """Mark a queued page delivered; False if it was no longer queued (cancelled meanwhile)."""
    cursor = db.execute(
        "UPDATE pages SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
        "delivery_ref = ?, last_error = NULL WHERE id = ? AND status = 'queued'",
        [at, json.dumps(delivery_ref) if delivery_ref else None, page_id],
    )
    return cursor.rowcount == 1


def mark_retry(db: Database, page_id: int, *, next_attempt_at: str, error_kind: str) -> None:
    db.execute(
        "UPDATE pages SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
        "WHERE id = ? AND status = 'queued'",
        [next_attempt_at, error_kind, page_id],
    )


def mark_failed(db: Database, page_id: int, *, error_kind: str) -> None:
    db.execute(
        "UPDATE pages SET status = 'failed', attempts = attempts + 1, last_error = ? "
        "WHERE id = ? AND status = 'queued'",
        [error_kind, page_id],
    )


def cancel_escalation(db: Database, case_id: str) -> int:
    """Stop every page and the exhausted notice still waiting for this case."""
    cursor = db.execute(
        "UPDATE pages SET status = 'cancelled' WHERE case_id = ? AND status = 'queued' "
        "AND kind IN ('page', 'counsel', 'exhausted')",
        [case_id],
    )
    return cursor.rowcount


def latest_sent(db: Database, case_id: str, kind: str, recipient: str) -> PageRecord | None:
    rows = list(
        db["pages"].rows_where(
            "case_id = ? AND kind = ? AND recipient = ? AND status = 'sent'",
            [case_id, kind, recipient],
            order_by="id desc",
            limit=1,
        )
    )
    return PageRecord.from_row(rows[0]) if rows else None


def pages_for_case(db: Database, case_id: str) -> list[PageRecord]:
    rows = db["pages"].rows_where("case_id = ?", [case_id], order_by="id")
    return [PageRecord.from_row(r) for r in rows]


def awaiting_acknowledgement(db: Database) -> list[PageRecord]:
    """Pages sent for cases nobody has acknowledged yet."""
    rows = db.query(
        "SELECT pages.* FROM pages JOIN cases ON cases.id = pages.case_id "
        "WHERE pages.kind = 'page' AND pages.status = 'sent' AND cases.acknowledged_at IS NULL "
        "AND cases.status = 'open' ORDER BY pages.sent_at"
    )
    return [PageRecord.from_row(r) for r in rows]


def overdue_pages(db: Database, before: str) -> list[PageRecord]:
    rows = db.query(
        "SELECT * FROM pages WHERE status = 'queued' AND due_at < ? ORDER BY due_at", [before]
    )
    return [PageRecord.from_row(r) for r in rows]


def delivered_before(db: Database, page: PageRecord) -> bool:
    """Whether another channel already reached this recipient for the same escalation slot."""
    row = db.execute(
        "SELECT 1 FROM pages WHERE case_id = ? AND kind = ? AND recipient = ? AND round = ? "
        "AND position = ? AND status = 'sent' AND id != ? LIMIT 1",
        [page.case_id, page.kind, page.recipient, page.round, page.position, page.id],
    ).fetchone()
    return row is not None


def mark_not_needed(db: Database, page_id: int) -> None:
    db.execute(
        "UPDATE pages SET status = 'cancelled', last_error = 'not_needed' "
        "WHERE id = ? AND status = 'queued'",
        [page_id],
    )


def postpone(db: Database, page_ids: list[int], *, until: str) -> None:
    """Hold queued rows back until `until` without counting an attempt."""
    db.execute(
        f"UPDATE pages SET next_attempt_at = max(next_attempt_at, ?) WHERE status = 'queued' "
        f"AND id IN ({', '.join('?' for _ in page_ids)})",
        [until, *page_ids],
    )


def bring_forward(db: Database, case_id: str, due_by_key: dict[str, str]) -> int:
    """Move queued rows of a case earlier (never later) to the times given per dedup key."""
    moved = 0
    for key, due in due_by_key.items():
        cursor = db.execute(
            "UPDATE pages SET due_at = ?, next_attempt_at = min(next_attempt_at, ?) "
            "WHERE case_id = ? AND dedup_key = ? AND status = 'queued' AND due_at > ?",
            [due, due, case_id, key, due],
        )
        moved += cursor.rowcount
    return moved
