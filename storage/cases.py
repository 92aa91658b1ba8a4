"""Queries on cases, their steps and their history."""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlite_utils import Database

from storage.records import CaseRecord, StepRecord

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
    db["cases"].insert(
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


def get_case(db: Database, case_id: str) -> CaseRecord | None:
    rows = list(db["cases"].rows_where("id = ?", [case_id], limit=1))
    return CaseRecord.from_row(rows[0]) if rows else None


def update_case(db: Database, case_id: str, **changes: Any) -> None:
    if "reporter_ref" in changes and isinstance(changes["reporter_ref"], dict):
        changes["reporter_ref"] = json.dumps(changes["reporter_ref"])
    db["cases"].update(case_id, changes)


def open_cases(db: Database, *, include_drills: bool = True) -> list[CaseRecord]:
    where = "status = 'open'" + ("" if include_drills else " AND drill = 0")
    return [CaseRecord.from_row(r) for r in db["cases"].rows_where(where, order_by="opened_at")]


def cases_reported_by(
    db: Database, reporter_id: str, *, open_only: bool = True
) -> list[CaseRecord]:
    where = "reporter_id = ?" + (" AND status = 'open'" if open_only else "")
    rows = db["cases"].rows_where(where, [reporter_id], order_by="opened_at desc")
    return [CaseRecord.from_row(r) for r in rows]


def set_step_state(
    db: Database, case_id: str, step_id: str, *, state: str, by_user: str, at: str
) -> None:
    db["case_steps"].upsert(
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
    db["case_events"].insert(
        {"case_id": case_id, "at": at, "kind": kind, "code": code, "by_user": by_user}
    )


def case_events(db: Database, case_id: str) -> list[dict[str, Any]]:
    return list(db["case_events"].rows_where("case_id = ?", [case_id], order_by="id"))


def remember_event(db: Database, key: str, *, case_id: str | None, at: str) -> str | None:
    """Record a delivery key; return the case it produced before if it was already seen."""
    existing = list(db["seen_events"].rows_where("key = ?", [key], limit=1))
    if existing:
        return existing[0]["case_id"] or ""
    db["seen_events"].insert({"key": key, "case_id": case_id, "seen_at": at})
    return None


def link_event(db: Database, key: str, case_id: str) -> None:
    db["seen_events"].update(key, {"case_id": case_id})
