"""Routine destruction: delete what retention no longer needs, so that it cannot be recovered.

Held cases are never touched. Deleted rows are overwritten (secure_delete), the WAL is
checkpointed and truncated, and the file is vacuumed on a schedule.

Every delete works on one short chunk, chosen through an index and removed set-based, so
that a backlog of any size is purged as many small transactions: reports committed on the
same writer wait for one chunk at most, never for the whole purge.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlite_utils import Database

from storage.records import PRESERVATION_EVENTS_SQL, deadline_sql

# At most this many ids are listed; the counts always cover everything.
SHOWN = 1000


@dataclass(frozen=True)
class PurgePlan:
    """What a purge would remove (or removed): counts, and the first ids for the officer
    reading `purge --dry-run`."""

    cases: list[str] = field(default_factory=list)
    drills: list[str] = field(default_factory=list)
    demands: int = 0
    seen_events: int = 0
    held: list[str] = field(default_factory=list)
    case_total: int = 0
    drill_total: int = 0

    @property
    def nothing(self) -> bool:
        return not (self.case_total or self.drill_total or self.demands or self.seen_events)

    @property
    def unlisted(self) -> int:
        """Cases and drills counted but not listed by id."""
        return self.case_total + self.drill_total - len(self.cases) - len(self.drills)


_HELD = "legal_hold = 1 AND hold_released_at IS NULL"
# Each uses an index (m005): cases_expiry, cases_drills (with cases_expiry) and cases_held.
_CLOSED = f"status = 'closed' AND drill = 0 AND purge_after <= :now AND NOT ({_HELD})"
_DRILLS = (
    "drill = 1 AND ((status = 'closed' AND purge_after <= :now) OR opened_at <= :drills_before)"
)
_CHUNK = "(SELECT value FROM json_each(:ids))"


def plan_purge(
    db: Database,
    *,
    now: str,
    drills_before: str,
    demands_before: str,
    events_before: str,
    shown: int | None = None,
) -> PurgePlan:
    """Count what is past retention and list the first `shown` (SHOWN) ids of each kind."""
    shown = SHOWN if shown is None else shown
    cut = {"now": now, "drills_before": drills_before, "shown": shown}
    return PurgePlan(
        # In the order purge takes them, which the index gives without sorting a backlog.
        cases=_ids(
            db, f"SELECT id FROM cases WHERE {_CLOSED} ORDER BY purge_after LIMIT :shown", cut
        ),
        drills=_ids(db, f"SELECT id FROM cases WHERE {_DRILLS} ORDER BY id LIMIT :shown", cut),
        demands=_count(db, "demands WHERE logged_at < ?", [demands_before]),
        seen_events=_count(db, "seen_events WHERE seen_at < ?", [events_before]),
        held=held_cases(db, shown=shown),
        case_total=_count(db, f"cases WHERE {_CLOSED}", cut),
        drill_total=_count(db, f"cases WHERE {_DRILLS}", cut),
    )


def held_cases(db: Database, *, shown: int | None = None) -> list[str]:
    """Closed cases kept because a legal hold is still in force (the first SHOWN)."""
    return _ids(
        db,
        f"SELECT id FROM cases WHERE {_HELD} AND status = 'closed' AND drill = 0 "
        "ORDER BY id LIMIT ?",
        [SHOWN if shown is None else shown],
    )


def anything_due(
    db: Database, *, now: str, drills_before: str, demands_before: str, events_before: str
) -> bool:
    """Whether a purge would remove anything; cheap, so an idle schedule costs nothing."""
    cut = {"now": now, "drills_before": drills_before}
    checks = (
        (f"SELECT 1 FROM cases WHERE {_CLOSED} LIMIT 1", cut),
        (f"SELECT 1 FROM cases WHERE {_DRILLS} LIMIT 1", cut),
        ("SELECT 1 FROM demands WHERE logged_at < ? LIMIT 1", [demands_before]),
        ("SELECT 1 FROM seen_events WHERE seen_at < ? LIMIT 1", [events_before]),
    )
    return any(db.execute(sql, args).fetchone() for sql, args in checks)


def purge_closed_cases(db: Database, *, now: str, limit: int) -> list[str]:
    """Delete up to `limit` closed cases past retention, oldest first; return their ids.

    Their counts are kept for reports; their demand log row stays (it has its own
    retention) and only loses its link to the case.
    """
    ids = _ids(
        db,
        f"SELECT id FROM cases WHERE {_CLOSED} ORDER BY purge_after LIMIT :limit",
        {"now": now, "limit": limit},
    )
    if ids:
        chunk = json.dumps(ids)
        # CROSS JOIN keeps the chunk driving the join, whatever the planner's statistics say.
        db.execute(
            "INSERT INTO report_counts (month, source, presented, requester_kind, outcome, "
            "restricted, n) SELECT substr(opened_at, 1, 7), 'case', presented, "
            "coalesce(requester_kind, ''), coalesce(outcome, ''), restricted, count(*) "
            "FROM json_each(:ids) AS chunk CROSS JOIN cases ON cases.id = chunk.value "
            "GROUP BY 1, 3, 4, 5, 6 ON CONFLICT DO UPDATE SET n = n + excluded.n",
            {"ids": chunk},
        )
        _keep_legal_counts(db, chunk, now)
        _delete_cases(db, chunk)
    return ids


def _keep_legal_counts(db: Database, chunk: str, now: str) -> None:
    """What the board report counts about legal process, kept by month for purged cases."""
    cases = "json_each(:ids) AS chunk CROSS JOIN cases c ON c.id = chunk.value"
    deadline = deadline_sql("substr(:now, 1, 10)")
    db.execute(
        "INSERT INTO process_counts (month, kind, restricted, deadline, n) "
        f"SELECT substr(p.received_on, 1, 7), p.kind, c.restricted, {deadline}, count(*) "
        f"FROM {cases} JOIN processes p ON p.case_id = c.id GROUP BY 1, 2, 3, 4 "
        "ON CONFLICT DO UPDATE SET n = n + excluded.n",
        {"ids": chunk, "now": now},
    )
    db.execute(
        "INSERT INTO release_counts (month, record_category, restricted, releases, items) "
        "SELECT substr(r.released_on, 1, 7), r.record_category, c.restricted, count(*), "
        f"sum(r.items) FROM {cases} JOIN releases r ON r.case_id = c.id GROUP BY 1, 2, 3 "
        "ON CONFLICT DO UPDATE SET releases = releases + excluded.releases, "
        "items = items + excluded.items",
        {"ids": chunk},
    )
    db.execute(
        "INSERT INTO event_counts (month, kind, restricted, n) "
        "SELECT substr(e.at, 1, 7), e.kind, c.restricted, count(*) "
        f"FROM {cases} JOIN case_events e ON e.case_id = c.id "
        f"WHERE e.kind IN {PRESERVATION_EVENTS_SQL} GROUP BY 1, 2, 3 "
        "ON CONFLICT DO UPDATE SET n = n + excluded.n",
        {"ids": chunk},
    )


def purge_drills(db: Database, *, now: str, drills_before: str, limit: int) -> list[str]:
    """Delete up to `limit` drills past their retention, with their demand rows."""
    ids = _ids(
        db,
        f"SELECT id FROM cases WHERE {_DRILLS} LIMIT :limit",
        {"now": now, "drills_before": drills_before, "limit": limit},
    )
    if ids:
        chunk = json.dumps(ids)
        db.execute(f"DELETE FROM demands WHERE case_id IN {_CHUNK}", {"ids": chunk})
        _delete_cases(db, chunk)
    return ids


def purge_demands(db: Database, *, before: str, limit: int) -> int:
    """Delete up to `limit` demand-log rows past retention, keeping their counts."""
    ids = [
        r[0]
        for r in db.execute(
            "SELECT id FROM demands WHERE logged_at < ? ORDER BY logged_at LIMIT ?",
            [before, limit],
        )
    ]
    if ids:
        chunk = json.dumps(ids)
        db.execute(
            "INSERT INTO report_counts (month, source, presented, requester_kind, outcome, "
            "restricted, n) SELECT month, 'demand', presented, coalesce(requester_kind, ''), "
            "coalesce(outcome, ''), 0, count(*) "
            "FROM json_each(:ids) AS chunk CROSS JOIN demands ON demands.id = chunk.value "
            "WHERE drill = 0 GROUP BY 1, 3, 4, 5 ON CONFLICT DO UPDATE SET n = n + excluded.n",
            {"ids": chunk},
        )
        db.execute(f"DELETE FROM demands WHERE id IN {_CHUNK}", {"ids": chunk})
    return len(ids)


def purge_seen_events(db: Database, *, before: str, limit: int) -> int:
    """Forget up to `limit` delivery keys older than `before`."""
    cursor = db.execute(
        "DELETE FROM seen_events WHERE rowid IN "
        "(SELECT rowid FROM seen_events WHERE seen_at < ? LIMIT ?)",
        [before, limit],
    )
    return cursor.rowcount


def _delete_cases(db: Database, chunk: str) -> None:
    # Children first, each set-based through its case_id index; the cascade from cases
    # would reach them too, but one trigger per case per table costs more than this.
    for table in ("pages", "case_events", "case_steps", "processes", "releases", "escalations"):
        db.execute(f"DELETE FROM {table} WHERE case_id IN {_CHUNK}", {"ids": chunk})
    db.execute(f"DELETE FROM cases WHERE id IN {_CHUNK}", {"ids": chunk})


def _ids(db: Database, sql: str, args: dict | list) -> list[str]:
    return [row[0] for row in db.execute(sql, args)]


def _count(db: Database, source: str, args: dict | list) -> int:
    return db.execute(f"SELECT count(*) FROM {source}", args).fetchone()[0]


def checkpoint_at(db: Database, pages: int = 1000) -> None:
    """Have SQLite fold the WAL into the file whenever a commit leaves it `pages` long
    (1000 is its default)."""
    db.execute(f"PRAGMA wal_autocheckpoint={int(pages)}")


def checkpoint_passive(db: Database) -> None:
    """Fold what the WAL holds into the file, without waiting for anyone."""
    db.execute("PRAGMA wal_checkpoint(PASSIVE)")


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
