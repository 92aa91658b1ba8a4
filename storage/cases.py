"""Queries on cases, their steps and their history.

Plain parameterised SQL throughout: sqlite-utils' table methods read the table's metadata
(sqlite_master, PRAGMA table_info) on every call, several queries per row written.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import fields
from typing import Any

from sqlite_utils import Database

from storage.records import CaseRecord, IntakeChange, StepRecord, StepState
from storage.rows import fetch_rows

# The columns update_case may set: names go into SQL text, so only these are accepted.
_CASE_COLUMNS = frozenset(f.name for f in fields(CaseRecord)) - {"id"}

# No 0/O, 1/I/L: case ids are read aloud over the phone.
_ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_case_id() -> str:
    return "PG-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(6))


def insert_case(
    db: Database,
    *,
    opened_at: str,
    drill: bool,
    channel: str,
    reporter_id: str,
    reporter_ref: dict[str, Any] | None,
    chain: list[str],
) -> str:
    for _ in range(10):
        case_id = new_case_id()
        if db.execute("SELECT 1 FROM cases WHERE id = ?", [case_id]).fetchone() is None:
            break
    db.execute(
        "INSERT INTO cases (id, opened_at, drill, channel, reporter_id, reporter_ref, status, "
        "presented, chain) VALUES (?, ?, ?, ?, ?, ?, 'open', 'not_sure', ?)",
        [
            case_id,
            opened_at,
            int(drill),
            channel,
            reporter_id,
            json.dumps(reporter_ref) if reporter_ref else None,
            json.dumps(chain),
        ],
    )
    record_event(db, case_id, at=opened_at, kind="opened", by_user=reporter_id)
    return case_id


class CaseMissing(LookupError):
    """A case that must exist (it was just written, in this transaction) does not."""


def get_case(db: Database, case_id: str) -> CaseRecord | None:
    rows = fetch_rows(db, "SELECT * FROM cases WHERE id = ? LIMIT 1", [case_id])
    return CaseRecord.from_row(rows[0]) if rows else None


def require_case(db: Database, case_id: str) -> CaseRecord:
    """The case, inside the transaction that created or checked it."""
    case = get_case(db, case_id)
    if case is None:
        raise CaseMissing(case_id)
    return case


def update_case(db: Database, case_id: str, **changes: Any) -> None:
    """Set some of a case's columns; the case must exist."""
    unknown = set(changes) - _CASE_COLUMNS
    if unknown:
        raise ValueError(f"cases has no column {', '.join(sorted(unknown))}")
    if "reporter_ref" in changes and isinstance(changes["reporter_ref"], dict):
        changes["reporter_ref"] = json.dumps(changes["reporter_ref"])
    if not changes:
        if get_case(db, case_id) is None:
            raise CaseMissing(case_id)
        return
    sets = ", ".join(f"{name} = ?" for name in changes)
    cursor = db.execute(f"UPDATE cases SET {sets} WHERE id = ?", [*changes.values(), case_id])
    if cursor.rowcount != 1:
        raise CaseMissing(case_id)


def open_cases(db: Database, *, include_drills: bool = True) -> list[CaseRecord]:
    where = "status = 'open'" + ("" if include_drills else " AND drill = 0")
    rows = fetch_rows(db, f"SELECT * FROM cases WHERE {where} ORDER BY opened_at")
    return [CaseRecord.from_row(r) for r in rows]


def cases_reported_by(
    db: Database, channel: str, reporter_id: str, *, open_only: bool = True
) -> list[CaseRecord]:
    where = "channel = ? AND reporter_id = ?" + (" AND status = 'open'" if open_only else "")
    rows = fetch_rows(
        db, f"SELECT * FROM cases WHERE {where} ORDER BY opened_at desc", [channel, reporter_id]
    )
    return [CaseRecord.from_row(r) for r in rows]


def set_step_state(
    db: Database, case_id: str, step_id: str, *, state: StepState, by_user: str, at: str
) -> None:
    db.execute(
        "INSERT INTO case_steps (case_id, step_id, state, by_user, at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (case_id, step_id) DO UPDATE SET state = excluded.state, "
        "by_user = excluded.by_user, at = excluded.at",
        [case_id, step_id, state, by_user, at],
    )
    record_event(db, case_id, at=at, kind=f"step_{state}", code=step_id, by_user=by_user)


def step_records(db: Database, case_id: str) -> dict[str, StepRecord]:
    rows = db.execute(
        "SELECT step_id, state, by_user, at FROM case_steps WHERE case_id = ?", [case_id]
    )
    return {row[0]: StepRecord(*row) for row in rows}


def record_event(
    db: Database,
    case_id: str,
    *,
    at: str,
    kind: str,
    code: str | None = None,
    by_user: str | None = None,
) -> None:
    db.execute(
        "INSERT INTO case_events (case_id, at, kind, code, by_user) VALUES (?, ?, ?, ?, ?)",
        [case_id, at, kind, code, by_user],
    )


def case_events(db: Database, case_id: str) -> list[dict[str, Any]]:
    return fetch_rows(db, "SELECT * FROM case_events WHERE case_id = ? ORDER BY id", [case_id])


def intake_changes(db: Database, case_id: str) -> list[IntakeChange]:
    """Changes to intake made after the first one, oldest first."""
    rows = db.execute(
        "SELECT at, code, by_user FROM case_events WHERE case_id = ? AND kind = 'intake_changed' "
        "ORDER BY id",
        [case_id],
    )
    return [IntakeChange.from_event(at, code or "", by_user) for at, code, by_user in rows]


def lapsed_holds(db: Database, now: str) -> list[str]:
    """Cases whose preservation hold has reached its end date and is not yet released."""
    rows = db.execute(
        "SELECT id FROM cases WHERE legal_hold = 1 AND hold_released_at IS NULL "
        "AND hold_until IS NOT NULL AND hold_until <= ?",
        [now],
    ).fetchall()
    return [r[0] for r in rows]


def reminder_case(db: Database, page_id: int) -> str | None:
    """The case a deadline reminder (an outbox row) belongs to."""
    row = db.execute(
        "SELECT case_id FROM pages WHERE id = ? AND kind = 'deadline'", [page_id]
    ).fetchone()
    return row[0] if row else None
