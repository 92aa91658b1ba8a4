"""The record of legal process and the log of what was released: categories, dates, counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database


@dataclass(frozen=True)
class ProcessRecord:
    case_id: str
    kind: str
    authority: str
    received_on: str
    received_how: str
    served_on: str
    due_on: str | None
    copy_with_counsel: int
    note: str | None
    responded_at: str | None
    recorded_at: str
    recorded_by: str
    responded_on: str | None = None


@dataclass(frozen=True)
class ReleaseRecord:
    id: int
    case_id: str
    released_on: str
    record_category: str
    items: int
    recorded_at: str
    recorded_by: str


@dataclass(frozen=True)
class LegalRecord:
    """A case's process and releases, as its card shows them to officers."""

    process: ProcessRecord | None
    releases: tuple[ReleaseRecord, ...]


def legal_record(db: Database, case_id: str) -> LegalRecord:
    return LegalRecord(get_process(db, case_id), tuple(releases_for(db, case_id)))


def save_process(db: Database, record: ProcessRecord) -> None:
    """Record (or correct) the process a case was served with; a recorded response stays."""
    db.execute(
        "INSERT INTO processes (case_id, kind, authority, received_on, received_how, served_on, "
        "due_on, copy_with_counsel, note, responded_at, recorded_at, recorded_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?) ON CONFLICT(case_id) DO UPDATE SET "
        "kind = excluded.kind, authority = excluded.authority, "
        "received_on = excluded.received_on, received_how = excluded.received_how, "
        "served_on = excluded.served_on, due_on = excluded.due_on, "
        "copy_with_counsel = excluded.copy_with_counsel, note = excluded.note, "
        "recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by",
        [
            record.case_id,
            record.kind,
            record.authority,
            record.received_on,
            record.received_how,
            record.served_on,
            record.due_on,
            record.copy_with_counsel,
            record.note,
            record.recorded_at,
            record.recorded_by,
        ],
    )


def get_process(db: Database, case_id: str) -> ProcessRecord | None:
    rows = list(db.query("SELECT * FROM processes WHERE case_id = ?", [case_id]))
    return ProcessRecord(**rows[0]) if rows else None


def record_response(db: Database, case_id: str, *, at: str, on: str) -> bool:
    """The response was sent at `at`, on the library's date `on` (held against due_on)."""
    cursor = db.execute(
        "UPDATE processes SET responded_at = ?, responded_on = ? "
        "WHERE case_id = ? AND responded_at IS NULL",
        [at, on, case_id],
    )
    return cursor.rowcount == 1


def log_release(
    db: Database,
    *,
    case_id: str,
    released_on: str,
    record_category: str,
    items: int,
    at: str,
    by: str,
) -> None:
    db.execute(
        "INSERT INTO releases (case_id, released_on, record_category, items, recorded_at, "
        "recorded_by) VALUES (?, ?, ?, ?, ?, ?)",
        [case_id, released_on, record_category, items, at, by],
    )


def releases_for(db: Database, case_id: str) -> list[ReleaseRecord]:
    rows = db.query("SELECT * FROM releases WHERE case_id = ? ORDER BY id", [case_id])
    return [ReleaseRecord(**r) for r in rows]


def missed_deadlines(db: Database, today: str) -> list[str]:
    """Open cases whose response date has passed with no response recorded."""
    rows = db.query(
        "SELECT processes.case_id FROM processes JOIN cases ON cases.id = processes.case_id "
        "WHERE cases.status = 'open' AND processes.due_on < ? AND processes.responded_at IS NULL "
        "ORDER BY processes.due_on",
        [today],
    )
    return [r["case_id"] for r in rows]


def deadlines_for(db: Database, case_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Due dates and responses for the cases listed (for status lines)."""
    if not case_ids:
        return {}
    marks = ", ".join("?" for _ in case_ids)
    rows = db.query(
        f"SELECT case_id, due_on, responded_at FROM processes WHERE case_id IN ({marks})",
        case_ids,
    )
    return {r["case_id"]: r for r in rows}
