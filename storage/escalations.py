"""Escalation chains, one row per case: who is paged on each turn, and when the next is due."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database


@dataclass(frozen=True)
class EscalationRecord:
    case_id: str
    plan: list[dict[str, Any]]  # per turn: {"to", "round", "position", "lanes": [[ch, s], ...]}
    started_at: str
    timeout_s: float
    next_turn: int
    next_due_at: str | None


def start(
    db: Database,
    *,
    case_id: str,
    plan: list[dict[str, Any]],
    started_at: str,
    timeout_s: float,
    next_turn: int,
    next_due_at: str | None,
) -> None:
    db.execute(
        "INSERT INTO escalations (case_id, plan, started_at, timeout_s, next_turn, next_due_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [case_id, json.dumps(plan), started_at, timeout_s, next_turn, next_due_at],
    )


def _record(row: Any) -> EscalationRecord:
    return EscalationRecord(
        case_id=row["case_id"],
        plan=json.loads(row["plan"]),
        started_at=row["started_at"],
        timeout_s=row["timeout_s"],
        next_turn=row["next_turn"],
        next_due_at=row["next_due_at"],
    )


def get(db: Database, case_id: str) -> EscalationRecord | None:
    rows = list(db.query("SELECT * FROM escalations WHERE case_id = ?", [case_id]))
    return _record(rows[0]) if rows else None


def due(db: Database, now: str, *, limit: int = 500) -> list[EscalationRecord]:
    rows = db.query(
        "SELECT * FROM escalations WHERE next_due_at IS NOT NULL AND next_due_at <= ? "
        "ORDER BY next_due_at LIMIT ?",
        [now, limit],
    )
    return [_record(r) for r in rows]


def next_due_at(db: Database) -> str | None:
    return db.execute("SELECT min(next_due_at) FROM escalations").fetchone()[0]


def advance(db: Database, case_id: str, *, next_turn: int, next_due_at: str | None) -> None:
    db.execute(
        "UPDATE escalations SET next_turn = ?, next_due_at = ? WHERE case_id = ?",
        [next_turn, next_due_at, case_id],
    )


def retime(db: Database, case_id: str, *, timeout_s: float, next_due_at: str | None) -> None:
    db.execute(
        "UPDATE escalations SET timeout_s = ?, next_due_at = ? WHERE case_id = ?",
        [timeout_s, next_due_at, case_id],
    )


def stop(db: Database, case_id: str) -> None:
    """Acknowledged or closed: no further turn."""
    db.execute("UPDATE escalations SET next_due_at = NULL WHERE case_id = ?", [case_id])


def overdue(db: Database, before: str) -> int:
    return db.execute(
        "SELECT count(*) FROM escalations WHERE next_due_at IS NOT NULL AND next_due_at < ?",
        [before],
    ).fetchone()[0]
