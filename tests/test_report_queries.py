"""Reports read the database set-based: the statements a report or a drill summary runs do not
grow with the number of cases or drills, and the published form never reads the demand log."""

from __future__ import annotations

from handlers.acknowledge import acknowledge_page
from handlers.cases import report_inquiry
from handlers.intake import IntakeDetails, submit_intake
from handlers.reports import build_report, drill_summary

PERIOD = {"since": "2026-01-01", "until": "2027-01-01"}


async def statements_of(services, call) -> tuple[object, list[str]]:
    """The result of `call()` and the SELECTs it ran on the writer's connection."""
    seen: list[str] = []
    await services.store.run(lambda db: db.conn.set_trace_callback(seen.append))
    try:
        result = await call()
    finally:
        await services.store.run(lambda db: db.conn.set_trace_callback(None))
    return result, [s for s in seen if s.lstrip().upper().startswith("SELECT")]


async def drills(services, pager, officer, staff, count: int) -> None:
    for _ in range(count):
        case_id = (await report_inquiry(services, staff, drill=True)).case_id
        await submit_intake(services, staff, case_id, IntakeDetails("subpoena", "lawyer", True))
        await pager.run_once()
        await acknowledge_page(services, officer, case_id)


async def test_a_drill_summary_runs_the_same_statements_for_one_drill_or_many(
    services, pager, officer, staff
):
    await drills(services, pager, officer, staff, 1)
    one, few_statements = await statements_of(
        services, lambda: drill_summary(services, since="2026-01-01", until="2027-01-01")
    )
    await drills(services, pager, officer, staff, 4)
    five, many_statements = await statements_of(
        services, lambda: drill_summary(services, since="2026-01-01", until="2027-01-01")
    )
    assert (len(one.drills), len(five.drills)) == (1, 5)
    assert all(d.seconds_to_ack == 0 and d.steps_total for d in five.drills)
    assert len(many_statements) == len(few_statements) == 3


async def test_a_report_runs_the_same_statements_for_few_cases_or_many(services, staff):
    async def reported(presented: str, kind: str) -> None:
        case_id = (await report_inquiry(services, staff)).case_id
        await submit_intake(services, staff, case_id, IntakeDetails(presented, kind, True))

    await reported("nothing", "police")
    few, few_statements = await statements_of(services, lambda: build_report(services, **PERIOD))
    for presented, kind in [("nothing", "parent"), ("threat", "patron"), ("subpoena", "lawyer")]:
        await reported(presented, kind)
    many, many_statements = await statements_of(services, lambda: build_report(services, **PERIOD))
    assert (few.total, many.total, many.demand_total, len(many.demands)) == (1, 4, 3, 3)
    assert len(many_statements) == len(few_statements)
    assert all("GROUP BY" in s for s in many_statements if "count(" in s)


async def test_the_published_form_never_reads_the_demand_log(services, staff):
    case_id = (await report_inquiry(services, staff)).case_id
    await submit_intake(services, staff, case_id, IntakeDetails("nothing", "police", True))
    data, statements = await statements_of(
        services, lambda: build_report(services, **PERIOD, structure="250")
    )
    assert data.demand_total == 1 and data.demands == []
    assert not [s for s in statements if "FROM demands" in s and "GROUP BY" not in s]


async def test_the_boards_legal_process_counts_read_through_indexes(services, staff, db_path):
    import re
    import sqlite3

    case_id = (await report_inquiry(services, staff)).case_id
    await submit_intake(services, staff, case_id, IntakeDetails("nothing", "police", True))
    ran: list[str] = []
    services.store.call(lambda db: db.conn.set_trace_callback(ran.append), transaction=False)
    try:
        await build_report(services, **PERIOD)
    finally:
        services.store.call(lambda db: db.conn.set_trace_callback(None), transaction=False)
    legal = [s for s in ran if re.search(r"FROM (processes|releases|case_events)\b", s)]
    assert len(legal) == 3  # process, releases and preservations: the check is not vacuous
    explain = sqlite3.connect(db_path)
    try:
        for statement in legal:
            plan = [r[3] for r in explain.execute(f"EXPLAIN QUERY PLAN {statement}")]
            # Plans name a table by its alias in the statement: c, p, r and e here.
            scans = [
                p
                for p in plan
                if re.search(r"\bSCAN (cases|processes|releases|case_events|[cpre])\b", p)
            ]
            assert not scans, f"{statement}\n  scans: {scans}"
    finally:
        explain.close()
