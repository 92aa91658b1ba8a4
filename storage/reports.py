"""Aggregate queries for reports: counts and kinds, never people."""

from __future__ import annotations

from sqlite_utils import Database

from storage.records import StepState


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


def case_rows_for_report(db: Database, since: str, until: str) -> list[dict]:
    """Live cases and the counts kept for purged ones, as (month, kinds, restricted, n)."""
    live = db.query(
        "SELECT substr(opened_at, 1, 7) AS month, presented, "
        "coalesce(requester_kind, '') AS requester_kind, coalesce(outcome, '') AS outcome, "
        "restricted, count(*) AS n FROM cases WHERE opened_at >= ? AND opened_at < ? "
        "AND drill = 0 GROUP BY 1, 2, 3, 4, 5",
        [since, until],
    )
    kept = db.query(
        "SELECT month, presented, requester_kind, outcome, restricted, n FROM report_counts "
        "WHERE source = 'case' AND month >= ? AND month <= ?",
        [since[:7], until[:7]],
    )
    return [*live, *kept]


def demand_rows_for_report(db: Database, since: str, until: str) -> tuple[list[dict], list[dict]]:
    """The demand log rows in range, and the counts kept for rows already purged."""
    rows = list(
        db.query(
            "SELECT logged_at, requester_kind, presented, record_category, outcome "
            "FROM demands WHERE logged_at >= ? AND logged_at < ? AND drill = 0 "
            "ORDER BY logged_at",
            [since, until],
        )
    )
    kept = list(
        db.query(
            "SELECT month, presented, requester_kind, outcome, n FROM report_counts "
            "WHERE source = 'demand' AND month >= ? AND month <= ?",
            [since[:7], until[:7]],
        )
    )
    return rows, kept


def drills_between(db: Database, since: str, until: str) -> list[dict]:
    return list(
        db.query(
            "SELECT id, opened_at, presented, acknowledged_at, acknowledged_by, status, chain "
            "FROM cases WHERE drill = 1 AND opened_at >= ? AND opened_at < ? ORDER BY opened_at",
            [since, until],
        )
    )


def drill_pages(db: Database, case_id: str) -> list[dict]:
    return list(
        db.query(
            "SELECT recipient, sent_at FROM pages WHERE case_id = ? AND kind = 'page' "
            "AND status = 'sent' ORDER BY sent_at",
            [case_id],
        )
    )


def drill_step_states(db: Database, case_id: str) -> dict[str, StepState]:
    rows = db.query("SELECT step_id, state FROM case_steps WHERE case_id = ?", [case_id])
    return {r["step_id"]: r["state"] for r in rows}
