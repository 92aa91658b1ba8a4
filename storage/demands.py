"""The unauthorized-demand log: dates and kinds for reporting, never who was involved."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database


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
    db.table("demands").upsert(
        {
            "case_id": case_id,
            "logged_at": logged_at,
            "month": logged_at[:7],
            "drill": int(drill),
            "requester_kind": requester_kind,
            "presented": presented,
            "record_category": record_category,
        },
        pk="case_id",
    )


def remove_demand(db: Database, case_id: str) -> None:
    db.execute("DELETE FROM demands WHERE case_id = ?", [case_id])


def set_demand_outcome(db: Database, case_id: str, outcome: str) -> None:
    db.execute("UPDATE demands SET outcome = ? WHERE case_id = ?", [outcome, case_id])


def demands_between(
    db: Database, since: str, until: str, *, drills: bool = False
) -> list[dict[str, Any]]:
    where = "logged_at >= ? AND logged_at < ?" + ("" if drills else " AND drill = 0")
    return list(db["demands"].rows_where(where, [since, until], order_by="logged_at"))


def demand_for_case(db: Database, case_id: str) -> dict[str, Any] | None:
    rows = list(db["demands"].rows_where("case_id = ?", [case_id], limit=1))
    return rows[0] if rows else None
