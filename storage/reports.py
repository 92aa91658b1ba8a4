"""Aggregate queries for reports: counts, never people."""

from __future__ import annotations

from sqlite_utils import Database


def case_counts(db: Database, since: str, until: str) -> list[dict]:
    """Cases opened in [since, until), grouped; drills and restricted cases left out."""
    return list(
        db.query(
            "SELECT substr(opened_at, 1, 7) AS month, presented, requester_kind, outcome, "
            "count(*) AS n FROM cases WHERE opened_at >= ? AND opened_at < ? AND drill = 0 "
            "AND restricted = 0 GROUP BY month, presented, requester_kind, outcome "
            "ORDER BY month",
            [since, until],
        )
    )
