"""Counts for public reporting of national-security process: by month and kind, drills left
out, from live records and from the counts kept when cases are purged."""

from __future__ import annotations

from collections.abc import Sequence

from sqlite_utils import Database


def process_counts_by_month(
    db: Database, since: str, until: str, kinds: Sequence[str]
) -> dict[tuple[str, str], int]:
    """(month YYYY-MM, kind) -> processes of `kinds` received in [since, until): dates
    YYYY-MM-DD, each the first of a month (the statute's periods are whole months)."""
    marks = ", ".join("?" for _ in kinds)
    live = db.execute(
        "SELECT substr(p.received_on, 1, 7), p.kind, count(*) FROM processes p "
        "JOIN cases c ON c.id = p.case_id WHERE c.drill = 0 AND p.received_on >= ? "
        f"AND p.received_on < ? AND p.kind IN ({marks}) GROUP BY 1, 2",
        [since, until, *kinds],
    ).fetchall()
    kept = db.execute(
        "SELECT month, kind, sum(n) FROM process_counts WHERE month >= ? "
        f"AND month < ? AND kind IN ({marks}) GROUP BY 1, 2",
        [since[:7], until[:7], *kinds],
    ).fetchall()
    found: dict[tuple[str, str], int] = {}
    for month, kind, n in [*live, *kept]:
        found[(month, kind)] = found.get((month, kind), 0) + n
    return found


def unrecorded_restricted(db: Database, since: str, until: str) -> int:
    """Restricted cases opened in the period with no record of which process it was."""
    return db.execute(
        "SELECT count(*) FROM cases c LEFT JOIN processes p ON p.case_id = c.id "
        "WHERE c.drill = 0 AND c.restricted = 1 AND p.case_id IS NULL "
        "AND substr(c.opened_at, 1, 10) >= ? AND substr(c.opened_at, 1, 10) < ?",
        [since, until],
    ).fetchone()[0]
