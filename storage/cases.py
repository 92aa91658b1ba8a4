"""Queries on cases, their steps and their history."""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlite_utils import Database

from storage.records import CaseRecord, IntakeChange, StepRecord, StepState

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
        if not db["cases"].count_where("id = ?", [case_id]):
            break
    db.table("cases").insert(
        {
            "id": case_id,
            "opened_at": opened_at,
            "drill": int(drill),
            "channel": channel,
            "reporter_id": reporter_id,
            "reporter_ref": json.dumps(reporter_ref) if reporter_ref else None,
            "status": "open",
            "presented": "not_sure",
            "chain": json.dumps(chain),
        }
    )
    record_event(db, case_id, at=opened_at, kind="opened", by_user=reporter_id)
    return case_id


class CaseMissing(LookupError):
    """A case that must exist (it was just written, in this transaction) does not."""


def get_case(db: Database, case_id: str) -> CaseRecord | None:
    rows = list(db["cases"].rows_where("id = ?", [case_id], limit=1))
    return CaseRecord.from_row(rows[0]) if rows else None


def require_case(db: Database, case_id: str) -> CaseRecord:
    """The case, inside the transaction that created or checked it."""
    case = get_case(db, case_id)
    if case is None:
        raise CaseMissing(case_id)
    return case


def update_case(db: Database, case_id: str, **changes: Any) -> None:
    if "reporter_ref" in changes and isinstance(changes["reporter_ref"], dict):
        changes["reporter_ref"] = json.dumps(changes["reporter_ref"])
    db.table("cases").update(case_id, changes)


def open_cases(db: Database, *, include_drills: bool = True) -> list[CaseRecord]:
    where = "status = 'open'" + ("" if include_drills else " AND drill = 0")
    return [CaseRecord.from_row(r) for r in db["cases"].rows_where(where, order_by="opened_at")]


def cases_reported_by(
    db: Database, channel: str, reporter_id: str, *, open_only: bool = True
) -> list[CaseRecord]:
    where = "channel = ? AND reporter_id = ?" + (" AND status = 'open'" if open_only else "")
    rows = db["cases"].rows_where(where, [channel, reporter_id], order_by="opened_at desc")
    return [CaseRecord.from_row(r) for r in rows]


def set_step_state(
    db: Database, case_id: str, step_id: str, *, state: StepState, by_user: str, at: str
) -> None:
    db.table("case_steps").upsert(
        {"case_id": case_id, "step_id": step_id, "state": state, "by_user": by_user, "at": at},
        pk=("case_id", "step_id"),
    )
    record_event(db, case_id, at=at, kind=f"step_{state}", code=step_id, by_user=by_user)


def step_records(db: Database, case_id: str) -> dict[str, StepRecord]:
    rows = db["case_steps"].rows_where("case_id = ?", [case_id])
    return {r["step_id"]: StepRecord(r["step_id"], r["state"], r["by_user"], r["at"]) for r in rows}


def record_event(
    db: Database,
    case_id: str,
    *,
    at: str,
    kind: str,
    code: str | None = None,
    by_user: str | None = None,
) -> None:
    db.table("case_events").insert(
        {"case_id": case_id, "at": at, "kind": kind, "code": code, "by_user": by_user}
    )


def case_events(db: Database, case_id: str) -> list[dict[str, Any]]:
    return list(db["case_events"].rows_where("case_id = ?", [case_id], order_by="id"))


def intake_changes(db: Database, case_id: str) -> list[IntakeChange]:
    """Changes to intake made after the first one, oldest first."""
    rows = db["case_events"].rows_where(
        "case_id = ? AND kind = 'intake_changed'", [case_id], order_by="id"
    )
    return [IntakeChange.from_event(r["at"], r["code"] or "", r["by_user"]) for r in rows]


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
