"""Routine destruction: delete what retention no longer needs, so that it cannot be recovered.

Held cases are never touched. Deleted rows are overwritten (secure_delete), the WAL is
checkpointed and truncated, and the file is vacuumed on a schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlite_utils import Database


@dataclass(frozen=True)
class PurgePlan:
    """What a purge would remove: ids only, for the officer reading `purge --dry-run`."""

    cases: list[str] = field(default_factory=list)
    drills: list[str] = field(default_factory=list)
    demands: int = 0
    seen_events: int = 0
    held: list[str] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not (self.cases or self.drills or self.demands or self.seen_events)


_HELD = "legal_hold = 1 AND hold_released_at IS NULL"


def plan_purge(
    db: Database, *, now: str, drills_before: str, demands_before: str, events_before: str
) -> PurgePlan:
    closed = [
        r["id"]
        for r in db.query(
            f"SELECT id FROM cases WHERE drill = 0 AND status = 'closed' AND purge_after <= ? "
            f"AND NOT ({_HELD}) ORDER BY id",
            [now],
        )
    ]
    # A drill goes once its retention has passed since it closed, or since it opened if
    # nobody closed it: practice runs must not linger.
    drills = [
        r["id"]
        for r in db.query(
            "SELECT id FROM cases WHERE drill = 1 AND ((status = 'closed' AND purge_after <= ?) "
            "OR opened_at <= ?) ORDER BY id",
            [now, drills_before],
        )
    ]
    held = [
        r["id"]
        for r in db.query(
            f"SELECT id FROM cases WHERE status = 'closed' AND drill = 0 AND {_HELD} ORDER BY id"
        )
    ]
    demands = db.execute(
        "SELECT count(*) FROM demands WHERE logged_at < ?", [demands_before]
    ).fetchone()[0]
    seen = db.execute(
        "SELECT count(*) FROM seen_events WHERE seen_at < ?", [events_before]
    ).fetchone()[0]
    return PurgePlan(closed, drills, demands, seen, held)


def purge(db: Database, plan: PurgePlan, *, demands_before: str, events_before: str) -> None:
    """Delete what the plan names; run inside one transaction. Counts are kept for reports."""
    for case_id in plan.cases:
        _count_case(db, case_id)
        # The demand log row stays (it has its own retention); only its link goes.
        db.execute("DELETE FROM cases WHERE id = ?", [case_id])
    for case_id in plan.drills:
        db.execute("DELETE FROM demands WHERE case_id = ?", [case_id])
        db.execute("DELETE FROM cases WHERE id = ?", [case_id])
    for row in list(
        db.query(
            "SELECT month, presented, coalesce(requester_kind, '') AS requester_kind, "
            "coalesce(outcome, '') AS outcome, count(*) AS n FROM demands "
            "WHERE logged_at < ? AND drill = 0 GROUP BY 1, 2, 3, 4",
            [demands_before],
        )
    ):
        _add_count(db, "demand", row, restricted=0)
    db.execute("DELETE FROM demands WHERE logged_at < ?", [demands_before])
    db.execute("DELETE FROM seen_events WHERE seen_at < ?", [events_before])


def _count_case(db: Database, case_id: str) -> None:
    row = next(
        db.query(
            "SELECT substr(opened_at, 1, 7) AS month, presented, "
            "coalesce(requester_kind, '') AS requester_kind, coalesce(outcome, '') AS outcome, "
            "restricted, 1 AS n FROM cases WHERE id = ?",
            [case_id],
        )
    )
    _add_count(db, "case", row, restricted=row["restricted"])


def _add_count(db: Database, source: str, row: dict, *, restricted: int) -> None:
    db.execute(
        "INSERT INTO report_counts (month, source, presented, requester_kind, outcome, "
        "restricted, n) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n",
        [
            row["month"],
            source,
            row["presented"],
            row["requester_kind"],
            row["outcome"],
            restricted,
            row["n"],
        ],
    )


def checkpoint(db: Database) -> None:
    """Fold the WAL into the main file and truncate it, so deleted bytes leave the WAL too."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def vacuum(db: Database) -> None:
    db.execute("VACUUM")
    checkpoint(db)


def last_run(db: Database, task: str) -> str | None:
    row = db.execute("SELECT last_run_at FROM maintenance WHERE task = ?", [task]).fetchone()
    return row[0] if row else None


def record_run(db: Database, task: str, at: str) -> None:
    db.execute(
        "INSERT INTO maintenance (task, last_run_at) VALUES (?, ?) "
        "ON CONFLICT DO UPDATE SET last_run_at = excluded.last_run_at",
        [task, at],
    )
