"""The unauthorized-demand log: dates and kinds for reporting, never who was involved."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from storage.rows import fetch_rows


def log_demand(
    db: Database,
    *,
    case_id: str,
    logged_at: str,
    drill: bool,
    requester_kind: str | None,
    presented: str,
    record_category: str | None,
) -> None:
    """Log (or, if intake is corrected, update) the demand a case records."""
    # Plain SQL: sqlite-utils' upsert reads the table's metadata on every call.
    db.execute(
        "INSERT INTO demands (case_id, logged_at, month, drill, requester_kind, presented, "
        "record_category) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET "
        "logged_at = excluded.logged_at, month = excluded.month, drill = excluded.drill, "
        "requester_kind = excluded.requester_kind, presented = excluded.presented, "
        "record_category = excluded.record_category",
        [case_id, logged_at, logged_at[:7], int(drill), requester_kind, presented, record_category],
    )


def remove_demand(db: Database, case_id: str) -> None:
    db.execute("DELETE FROM demands WHERE case_id = ?", [case_id])


def set_demand_outcome(db: Database, case_id: str, outcome: str) -> None:
    db.execute("UPDATE demands SET outcome = ? WHERE case_id = ?", [outcome, case_id])


def demands_between(
    db: Database, since: str, until: str, *, drills: bool = False
) -> list[dict[str, Any]]:
    where = "logged_at >= ? AND logged_at < ?" + ("" if drills else " AND drill = 0")
    return fetch_rows(db, f"SELECT * FROM demands WHERE {where} ORDER BY logged_at", [since, until])


def demand_for_case(db: Database, case_id: str) -> dict[str, Any] | None:
    rows = fetch_rows(db, "SELECT * FROM demands WHERE case_id = ? LIMIT 1", [case_id])
    return rows[0] if rows else None
