"""Purge reaches its rows through indexes, so its cost per case does not grow with the file.

SQLite's EXPLAIN QUERY PLAN shows how each statement finds its rows, but not the
foreign-key actions a DELETE sets off (one lookup of the child's key per deleted parent
row); those are checked through the schema: every foreign key's columns lead an index.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path

from handlers.cases import report_inquiry
from handlers.retention import purge_expired
from storage.db import connect
from tests.test_purge import finished_case

# A full pass over one of these, per statement or per deleted row, is what made purge slow.
OUR_TABLES = ("cases", "case_steps", "case_events", "pages", "demands", "seen_events")
FULL_SCAN = re.compile(rf"\bSCAN ({'|'.join(OUR_TABLES)}|report_counts)\b")
DML = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def foreign_keys(conn: sqlite3.Connection) -> list[tuple[str, tuple[str, ...]]]:
    """(child table, child columns) for every foreign key in the schema."""
    found = []
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        by_id: dict[int, list[tuple[int, str]]] = {}
        for row in conn.execute(f"PRAGMA foreign_key_list({table})"):
            by_id.setdefault(row[0], []).append((row[1], row[3]))
        for columns in by_id.values():
            found.append((table, tuple(name for _, name in sorted(columns))))
    return found


def leading_columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, ...]]:
    """The columns of each index on `table` (primary-key and unique ones included)."""
    indexes = [r[1] for r in conn.execute(f"PRAGMA index_list({table})")]
    return [
        tuple(r[2] for r in sorted(conn.execute(f"PRAGMA index_info({index})")))
        for index in indexes
    ]


def test_every_foreign_key_is_indexed_on_its_child_columns(db_path: Path):
    conn = connect(db_path).conn
    keys = foreign_keys(conn)
    # The ones purge's cascades go through, named so that this cannot pass on an empty list.
    assert {
        ("pages", ("update_of",)),
        ("pages", ("case_id",)),
        ("case_events", ("case_id",)),
        ("case_steps", ("case_id",)),
        ("demands", ("case_id",)),
    } <= set(keys)
    for table, columns in keys:
        assert any(cols[: len(columns)] == columns for cols in leading_columns(conn, table)), (
            f"{table}({', '.join(columns)}) is a foreign key without an index: every delete "
            "of its parent would scan the whole table"
        )


async def expired_backlog(services, staff, officer, clock) -> None:
    """One of everything purge removes, through the handlers, all past retention."""
    await finished_case(services, staff, officer, "nothing", "City Police")  # a demand row too
    await finished_case(services, staff, officer, "emergency", "Sheriff")
    await finished_case(services, staff, officer, "subpoena", "County Court")  # stays held
    await report_inquiry(services, staff, drill=True)
    await report_inquiry(services, staff, delivery_key="Ev-purge-plan")
    clock.advance(timedelta(days=4 * 365))


async def test_every_statement_purge_runs_finds_its_rows_through_an_index(
    services, staff, officer, clock, db_path
):
    await expired_backlog(services, staff, officer, clock)
    ran: list[str] = []
    services.store.call(lambda db: db.conn.set_trace_callback(ran.append), transaction=False)
    try:
        await purge_expired(services, dry_run=True)
        plan = await purge_expired(services)
    finally:
        services.store.call(lambda db: db.conn.set_trace_callback(None), transaction=False)
    assert plan.case_total == 2 and plan.drill_total == 1 and plan.demands == 1
    assert plan.seen_events == 1 and len(plan.held) == 1
    statements = sorted({s for s in ran if DML.match(s)})
    # Each kind of statement purge relies on was seen, so the check below is not vacuous.
    for expected in (
        "DELETE FROM pages",
        "DELETE FROM case_events",
        "DELETE FROM case_steps",
        "DELETE FROM cases",
        "DELETE FROM demands",
        "DELETE FROM seen_events",
        "INSERT INTO report_counts",
        "SELECT count(*) FROM cases",
    ):
        assert any(s.startswith(expected) for s in statements), expected
    explain = sqlite3.connect(db_path)
    try:
        for statement in statements:
            plan_lines = [r[3] for r in explain.execute(f"EXPLAIN QUERY PLAN {statement}")]
            scans = [line for line in plan_lines if FULL_SCAN.search(line)]
            assert not scans, f"{statement}\n  scans: {scans}"
    finally:
        explain.close()
