"""Aggregate queries for reports: counts and kinds, never people."""

from __future__ import annotations

from sqlite_utils import Database

from storage.records import PRESERVATION_EVENTS_SQL, StepState, deadline_sql

# A report covers most of what is kept (retention bounds it), so reading the table straight
# through beats the purge's indexes, which would fetch every row out of order.
WHOLE_TABLE = "NOT INDEXED"
# Counts kept for purged cases are by month: a month counts when it overlaps [since, until).
# Bound as :since and :until, stored times or YYYY-MM-DD dates alike.
KEPT_MONTHS = "month >= substr(:since, 1, 7) AND month || '-01' < substr(:until, 1, 10)"


def case_counts(db: Database, since: str, until: str) -> list[dict]:
    """Cases opened in [since, until), grouped; drills and restricted cases left out."""
    return list(
        db.query(
            "SELECT substr(opened_at, 1, 7) AS month, presented, requester_kind, outcome, "
            f"count(*) AS n FROM cases {WHOLE_TABLE} WHERE opened_at >= ? AND opened_at < ? "
            "AND drill = 0 AND restricted = 0 GROUP BY month, presented, requester_kind, outcome "
            "ORDER BY month",
            [since, until],
        )
    )


def case_rows_for_report(db: Database, since: str, until: str) -> list[dict]:
    """Live cases and the counts kept for purged ones, as (month, kinds, restricted, n)."""
    live = db.query(
        "SELECT substr(opened_at, 1, 7) AS month, presented, "
        "coalesce(requester_kind, '') AS requester_kind, coalesce(outcome, '') AS outcome, "
        f"restricted, count(*) AS n FROM cases {WHOLE_TABLE} WHERE opened_at >= ? "
        "AND opened_at < ? "
        "AND drill = 0 GROUP BY 1, 2, 3, 4, 5",
        [since, until],
    )
    kept = db.query(
        "SELECT month, presented, requester_kind, outcome, restricted, n FROM report_counts "
        f"WHERE source = 'case' AND {KEPT_MONTHS}",
        {"since": since, "until": until},
    )
    return [*live, *kept]


def demand_counts(db: Database, since: str, until: str) -> list[dict]:
    """The demand log counted by who asked, in the order each kind first appears, then the
    counts kept for rows already purged."""
    live = db.query(
        f"SELECT requester_kind, count(*) AS n FROM demands {WHOLE_TABLE} WHERE logged_at >= ? "
        "AND logged_at < ? AND drill = 0 GROUP BY requester_kind ORDER BY min(logged_at)",
        [since, until],
    )
    kept = db.query(
        f"SELECT requester_kind, n FROM report_counts WHERE source = 'demand' AND {KEPT_MONTHS}",
        {"since": since, "until": until},
    )
    return [*live, *kept]


DemandRow = tuple[str, str | None, str, str | None, str | None]


def demand_log(db: Database, since: str, until: str) -> list[DemandRow]:
    """Each demand in range, oldest first: (logged_at, requester_kind, presented,
    record_category, outcome)."""
    return db.execute(
        "SELECT logged_at, requester_kind, presented, record_category, outcome "
        "FROM demands WHERE logged_at >= ? AND logged_at < ? AND drill = 0 "
        "ORDER BY logged_at",
        [since, until],
    ).fetchall()


def drills_between(db: Database, since: str, until: str) -> list[dict]:
    return list(
        db.query(
            "SELECT id, opened_at, presented, acknowledged_at, acknowledged_by, status, chain "
            "FROM cases WHERE drill = 1 AND opened_at >= ? AND opened_at < ? ORDER BY opened_at",
            [since, until],
        )
    )


_DRILLS = "SELECT id FROM cases WHERE drill = 1 AND opened_at >= ? AND opened_at < ?"


def drill_pages(db: Database, since: str, until: str) -> dict[str, list[dict]]:
    """For every drill in range at once: its pages sent to officers, in the order sent."""
    found: dict[str, list[dict]] = {}
    rows = db.execute(
        "SELECT case_id, recipient, sent_at FROM pages WHERE kind = 'page' AND status = 'sent' "
        f"AND case_id IN ({_DRILLS}) ORDER BY sent_at, id",
        [since, until],
    )
    for case_id, recipient, sent_at in rows:
        found.setdefault(case_id, []).append({"recipient": recipient, "sent_at": sent_at})
    return found


def drill_step_states(db: Database, since: str, until: str) -> dict[str, dict[str, StepState]]:
    """For every drill in range at once: each recorded step's state."""
    found: dict[str, dict[str, StepState]] = {}
    rows = db.execute(
        f"SELECT case_id, step_id, state FROM case_steps WHERE case_id IN ({_DRILLS})",
        [since, until],
    )
    for case_id, step_id, state in rows:
        found.setdefault(case_id, {})[step_id] = state
    return found


# The board's view of legal process: drills never, restricted matters never (their counts may
# be published only as ranges, in the transparency report).


def process_counts(db: Database, since: str, until: str, today: str) -> list[tuple[str, str, int]]:
    """(kind, deadline, n) for process received on days in [since, until) (YYYY-MM-DD);
    deadline is met, missed, open (not yet due) or '' (no response date)."""
    args = {"since": since, "until": until, "today": today}
    live = db.execute(
        f"SELECT p.kind, {deadline_sql(':today')}, count(*) FROM processes p "
        "CROSS JOIN cases c ON c.id = p.case_id WHERE c.drill = 0 AND c.restricted = 0 "
        "AND p.received_on >= :since AND p.received_on < :until GROUP BY 1, 2",
        args,
    ).fetchall()
    kept = db.execute(
        "SELECT kind, deadline, sum(n) FROM process_counts WHERE restricted = 0 "
        f"AND {KEPT_MONTHS} GROUP BY 1, 2",
        args,
    ).fetchall()
    return [*live, *kept]


def release_counts(db: Database, since: str, until: str) -> list[tuple[str, int, int]]:
    """(record category, releases, items) released on days in [since, until)."""
    args = {"since": since, "until": until}
    live = db.execute(
        "SELECT r.record_category, count(*), sum(r.items) FROM releases r "
        "CROSS JOIN cases c ON c.id = r.case_id WHERE c.drill = 0 AND c.restricted = 0 "
        "AND r.released_on >= :since AND r.released_on < :until GROUP BY 1",
        args,
    ).fetchall()
    kept = db.execute(
        "SELECT record_category, sum(releases), sum(items) FROM release_counts "
        f"WHERE restricted = 0 AND {KEPT_MONTHS} "
        "GROUP BY 1",
        args,
    ).fetchall()
    return [*live, *kept]


def preservation_counts(db: Database, since: str, until: str) -> list[tuple[str, int]]:
    """(event kind, n): preservations placed, extended by counsel and lapsed, in [since,
    until) (stored times)."""
    args = {"since": since, "until": until}
    live = db.execute(
        "SELECT e.kind, count(*) FROM case_events e CROSS JOIN cases c ON c.id = e.case_id "
        f"WHERE e.kind IN {PRESERVATION_EVENTS_SQL} AND e.at >= :since AND e.at < :until "
        "AND c.drill = 0 AND c.restricted = 0 "
        "GROUP BY 1",
        args,
    ).fetchall()
    kept = db.execute(
        f"SELECT kind, sum(n) FROM event_counts WHERE restricted = 0 AND {KEPT_MONTHS} GROUP BY 1",
        args,
    ).fetchall()
    return [*live, *kept]
