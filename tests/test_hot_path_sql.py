"""What a report, an intake and a step send to SQLite: plain statements, never a look-up of
the table's metadata (sqlite_master, PRAGMA table_info) or a savepoint per read."""

from __future__ import annotations

import re

from handlers.actors import Actor
from handlers.cases import report_inquiry
from storage import cases, demands

METADATA = re.compile(r"sqlite_master|\bPRAGMA\b|sqlite_utils", re.IGNORECASE)


async def traced(services, job):
    """Run job(db) in one writer transaction; return its result and every statement run."""
    statements: list[str] = []

    def run(db):
        db.conn.set_trace_callback(statements.append)
        try:
            return job(db)
        finally:
            db.conn.set_trace_callback(None)

    return await services.store.run(run), statements


def metadata_lookups(statements: list[str]) -> list[str]:
    return [s for s in statements if METADATA.search(s)]


async def test_case_statements_never_look_up_metadata(services):
    def work(db):
        case_id = cases.insert_case(
            db,
            opened_at="2026-03-02T15:00:00.000000Z",
            drill=False,
            channel="slack",
            reporter_id="U0STAFF",
            reporter_ref={"channel": "D1"},
            chain=["dana-whitfield"],
        )
        cases.update_case(db, case_id, presented="nothing", reporter_ref={"channel": "D2"})
        cases.record_event(db, case_id, at="2026-03-02T15:01:00.000000Z", kind="intake")
        for state in ("done", "not_applicable"):  # the second changes the first
            cases.set_step_state(
                db, case_id, "refer", state=state, by_user="slack:U0DIR", at="2026-03-02"
            )
        demands.log_demand(
            db,
            case_id=case_id,
            logged_at="2026-03-02T15:00:00.000000Z",
            drill=False,
            requester_kind="police",
            presented="nothing",
            record_category="circulation",
        )
        return (
            cases.require_case(db, case_id),
            cases.step_records(db, case_id),
            cases.case_events(db, case_id),
            cases.intake_changes(db, case_id),
            demands.demand_for_case(db, case_id),
        )

    (case, steps, events, changes, demand), statements = await traced(services, work)
    assert metadata_lookups(statements) == []
    assert (case.presented, case.reporter_location, case.status) == (
        "nothing",
        {"channel": "D2"},
        "open",
    )
    assert steps["refer"].state == "not_applicable" and len(steps) == 1
    assert [e["kind"] for e in events] == ["opened", "intake", "step_done", "step_not_applicable"]
    assert changes == []
    assert demand is not None and demand["month"] == "2026-03"


async def test_update_case_accepts_only_case_columns(services):
    def work(db):
        case_id = cases.insert_case(
            db,
            opened_at="2026-03-02T15:00:00.000000Z",
            drill=False,
            channel="console",
            reporter_id="desk",
            reporter_ref=None,
            chain=[],
        )
        cases.update_case(db, case_id, **{"status = 'closed' --": 1})

    try:
        await services.store.run(work)
    except ValueError as exc:
        assert "no column" in str(exc)
    else:
        raise AssertionError("an unknown column was accepted")


async def test_a_report_is_written_without_metadata_lookups(services):
    staff = Actor("console", "desk-1")
    statements: list[str] = []
    await services.store.run(lambda db: db.conn.set_trace_callback(statements.append))
    try:
        reply = await report_inquiry(services, staff)
    finally:
        await services.store.run(lambda db: db.conn.set_trace_callback(None))
    assert reply.case_id
    assert any(s.startswith("INSERT INTO cases") for s in statements)
    assert metadata_lookups(statements) == []
