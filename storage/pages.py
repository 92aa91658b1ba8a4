"""The page outbox: every page, notice and card edit is a row with a dedup key.

A row is `queued` until the pager claims it (`sending`, committed before the notifier is
called), then `sent`, `failed` or `cancelled`. A row found `sending` when a pager starts was
interrupted by a crash: it is queued again as `uncertain`, so the next attempt first asks
the channel whether the message already arrived.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from storage.records import PageKind, PageRecord

_COLUMNS = (
    "id, case_id, dedup_key, kind, recipient, channel, round, position, due_at, status, "
    "attempts, next_attempt_at, sent_at, delivery_ref, last_error, update_of, uncertain, "
    "claimed_at"
)


def _records(rows: Any) -> list[PageRecord]:
    return [PageRecord.from_row(r) for r in rows]


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
    cursor = db.execute(
        "INSERT OR IGNORE INTO pages (case_id, dedup_key, kind, recipient, channel, round, "
        "position, due_at, next_attempt_at, update_of, status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued')",
        [case_id, dedup_key, kind, recipient, channel, round, position, due_at, due_at, update_of],
    )
    return cursor.rowcount == 1


def due_pages(db: Database, now: str, *, limit: int = 500) -> list[PageRecord]:
    rows = db.query(
        f"SELECT {_COLUMNS} FROM pages WHERE status = 'queued' AND next_attempt_at <= ? "
        "ORDER BY next_attempt_at, id LIMIT ?",
        [now, limit],
    )
    return _records(rows)


def next_due_at(db: Database) -> str | None:
    row = db.execute("SELECT min(next_attempt_at) FROM pages WHERE status = 'queued'").fetchone()
    return row[0]


def get_page(db: Database, page_id: int) -> PageRecord | None:
    found = _records(db.query(f"SELECT {_COLUMNS} FROM pages WHERE id = ?", [page_id]))
    return found[0] if found else None


def claim(db: Database, page_ids: list[int], *, by: str, at: str) -> list[int]:
    """Mark queued rows as being sent by this pager; return the ids it now holds."""
    marks = ", ".join("?" for _ in page_ids)
    db.execute(
        f"UPDATE pages SET status = 'sending', claimed_by = ?, claimed_at = ? "
        f"WHERE status = 'queued' AND id IN ({marks})",
        [by, at, *page_ids],
    )
    rows = db.execute(
        f"SELECT id FROM pages WHERE status = 'sending' AND claimed_by = ? AND id IN ({marks})",
        [by, *page_ids],
    ).fetchall()
    return [r[0] for r in rows]


def recover_interrupted(db: Database, *, now: str) -> int:
    """Rows left `sending` by a pager that died: queued again, uncertain, due at once."""
    cursor = db.execute(
        "UPDATE pages SET status = 'queued', uncertain = 1, claimed_by = NULL, "
        "next_attempt_at = min(next_attempt_at, ?) WHERE status = 'sending'",
        [now],
    )
    return cursor.rowcount


def mark_sent(db: Database, page_id: int, *, at: str, delivery_ref: dict[str, Any] | None) -> bool:
    """Mark a page delivered; False if it was no longer in hand (cancelled meanwhile)."""
    cursor = db.execute(
        "UPDATE pages SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
        "delivery_ref = ?, last_error = NULL, claimed_by = NULL "
        "WHERE id = ? AND status IN ('queued', 'sending')",
        [at, json.dumps(delivery_ref) if delivery_ref else None, page_id],
    )
    return cursor.rowcount == 1


def mark_retry(
    db: Database, page_id: int, *, next_attempt_at: str, error_kind: str, uncertain: bool
) -> None:
    """Back in the queue for later; `uncertain` when the channel may have got it already."""
    db.execute(
        "UPDATE pages SET status = 'queued', attempts = attempts + 1, next_attempt_at = ?, "
        "last_error = ?, claimed_by = NULL, uncertain = max(uncertain, ?) "
        "WHERE id = ? AND status IN ('queued', 'sending')",
        [next_attempt_at, error_kind, int(uncertain), page_id],
    )


def mark_failed(db: Database, page_id: int, *, error_kind: str) -> None:
    db.execute(
        "UPDATE pages SET status = 'failed', attempts = attempts + 1, last_error = ?, "
        "claimed_by = NULL WHERE id = ? AND status IN ('queued', 'sending')",
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
    found = _records(
        db.query(
            f"SELECT {_COLUMNS} FROM pages WHERE case_id = ? AND kind = ? AND recipient = ? "
            "AND status = 'sent' ORDER BY id DESC LIMIT 1",
            [case_id, kind, recipient],
        )
    )
    return found[0] if found else None


def pages_for_case(db: Database, case_id: str) -> list[PageRecord]:
    return _records(
        db.query(f"SELECT {_COLUMNS} FROM pages WHERE case_id = ? ORDER BY id", [case_id])
    )


def overdue_pages(db: Database, before: str) -> list[PageRecord]:
    return _records(
        db.query(
            f"SELECT {_COLUMNS} FROM pages WHERE status IN ('queued', 'sending') "
            "AND due_at < ? ORDER BY due_at",
            [before],
        )
    )


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
        "UPDATE pages SET status = 'cancelled', last_error = 'not_needed', claimed_by = NULL "
        "WHERE id = ? AND status IN ('queued', 'sending')",
        [page_id],
    )


def postpone(db: Database, page_ids: list[int], *, until: str) -> None:
    """Put rows back in the queue until `until` without counting an attempt."""
    db.execute(
        f"UPDATE pages SET status = 'queued', claimed_by = NULL, "
        f"next_attempt_at = max(next_attempt_at, ?) WHERE status IN ('queued', 'sending') "
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


def cancel_kind(db: Database, case_id: str, kind: str) -> int:
    """Stop the queued rows of one kind for a case (e.g. reminders once it is answered)."""
    cursor = db.execute(
        "UPDATE pages SET status = 'cancelled' WHERE case_id = ? AND kind = ? "
        "AND status = 'queued'",
        [case_id, kind],
    )
    return cursor.rowcount
