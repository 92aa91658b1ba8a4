"""Routine destruction is real, and legal holds override it."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from bot.config import STARTER_CONFIG
from bot.runtime import build_services
from handlers.cases import report_inquiry
from handlers.clock import FakeClock
from handlers.closing import close_case
from handlers.holds import release_hold
from handlers.intake import IntakeDetails, submit_intake
from handlers.retention import Pace, purge_expired, vacuum_if_due
from handlers.steps import mark_step
from playbooks.engine import applicable_steps
from storage import cases, demands
from storage import purge as store_purge
from storage.reports import case_counts, case_rows_for_report, demand_log

MARKER = "Zanzibar Quokka Bureau"
# One case per writer job: the smallest chunks, so that chunk boundaries are everywhere.
ONE_AT_A_TIME = Pace(chunk_seconds=0.0, share=1.0, first_chunk=1, max_chunk=1)


def scan(db_path: Path, needle: str) -> list[str]:
    """Which of the database's files hold these bytes, in any of the encodings SQLite uses."""
    hits = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(f"{db_path}{suffix}")
        if path.exists():
            raw = path.read_bytes()
            if needle.encode() in raw or needle.encode("utf-16-le") in raw:
                hits.append(path.name)
    return hits


async def finished_case(services, staff, officer, presented: str, agency: str, **kw) -> str:
    reply = await report_inquiry(services, staff, **kw)
    case_id = reply.case_id
    await submit_intake(
        services, staff, case_id, IntakeDetails(presented, "police", False, "circulation", agency)
    )
    for item in applicable_steps(services.playbook, presented):
        who = staff if item.step.actor == "staff" else officer
        await mark_step(services, who, case_id, item.step.id, state="done")
    closed = await close_case(services, officer, case_id, "nothing_released", summary=MARKER)
    assert not closed.refused
    return case_id


async def test_purged_case_leaves_no_bytes_in_database_wal_or_shm(
    services, staff, officer, db_path, clock
):
    case_id = await finished_case(services, staff, officer, "court_order", MARKER)
    await release_hold(services, officer, case_id)
    assert scan(db_path, MARKER)  # the marker really was written
    clock.advance(services.settings.retention.cases + timedelta(seconds=1))
    plan = await purge_expired(services)
    assert plan.cases == [case_id]
    assert services.store.call(lambda db: cases.get_case(db, case_id)) is None
    assert scan(db_path, MARKER) == []
    assert scan(db_path, case_id) == []


async def test_held_case_survives_every_purge_until_released(services, staff, officer, clock):
    case_id = await finished_case(services, staff, officer, "subpoena", "County Court")
    for _ in range(3):
        clock.advance(timedelta(days=400))
        plan = await purge_expired(services)
        assert case_id in plan.held and case_id not in plan.cases
        assert services.store.call(lambda db: cases.get_case(db, case_id)) is not None
    released = await release_hold(services, officer, case_id)
    assert not released.refused
    record = services.store.call(lambda db: cases.get_case(db, case_id))
    assert record.hold_released_by == officer.ref
    assert (await purge_expired(services)).cases == [case_id]


async def test_staff_cannot_release_a_hold(services, staff, officer):
    case_id = await finished_case(services, staff, officer, "subpoena", "County Court")
    refused = await release_hold(services, staff, case_id)
    assert refused.refused
    assert services.store.call(lambda db: cases.get_case(db, case_id)).on_hold


async def test_open_cases_are_never_purged(services, staff, clock):
    reply = await report_inquiry(services, staff)
    clock.advance(timedelta(days=4000))
    plan = await purge_expired(services)
    assert plan.nothing
    assert services.store.call(lambda db: cases.get_case(db, reply.case_id))


async def test_drills_go_early_even_when_left_open(services, staff, officer, clock):
    open_drill = (await report_inquiry(services, staff, drill=True)).case_id
    closed_drill = await finished_case(services, staff, officer, "nothing", "X", drill=True)
    clock.advance(timedelta(hours=23))
    assert (await purge_expired(services)).nothing
    clock.advance(timedelta(hours=2))
    plan = await purge_expired(services)
    assert sorted(plan.drills) == sorted([open_drill, closed_drill])
    assert services.store.call(lambda db: demands.demands_between(db, "0", "9", drills=True)) == []


async def test_dry_run_says_what_would_go_and_removes_nothing(services, staff, officer, clock):
    case_id = await finished_case(services, staff, officer, "nothing", "City Police")
    clock.advance(timedelta(days=31))
    plan = await purge_expired(services, dry_run=True)
    assert plan.cases == [case_id]
    assert services.store.call(lambda db: cases.get_case(db, case_id)) is not None


async def test_demand_rows_expire_but_their_counts_remain(services, staff, officer, clock):
    await finished_case(services, staff, officer, "nothing", "City Police")
    clock.advance(timedelta(days=31))
    await purge_expired(services)  # the case goes; its demand log row stays
    assert len(services.store.call(lambda db: demands.demands_between(db, "0", "9"))) == 1
    clock.advance(timedelta(days=3 * 365))
    plan = await purge_expired(services)
    assert plan.demands == 1
    assert services.store.call(lambda db: demands.demands_between(db, "0", "9")) == []
    counts = services.store.call(
        lambda db: list(db.query("SELECT source, presented, n FROM report_counts"))
    )
    assert sorted((c["source"], c["presented"], c["n"]) for c in counts) == [
        ("case", "nothing", 1),
        ("demand", "nothing", 1),
    ]
    assert services.store.call(lambda db: case_counts(db, "0", "9")) == []


async def test_vacuum_runs_on_its_schedule(services, clock):
    assert await vacuum_if_due(services) is True
    assert await vacuum_if_due(services) is False
    clock.advance(services.settings.retention.vacuum_every)
    assert await vacuum_if_due(services) is True


def report_totals(db) -> tuple[Counter, Counter]:
    """What reports count, live rows and kept counts together: (cases, demand log)."""
    case_rows = Counter()
    for r in case_rows_for_report(db, "0", "9"):
        key = (r["month"], r["presented"], r["requester_kind"] or "", r["outcome"] or "")
        case_rows[(*key, r["restricted"])] += r["n"]
    demand_rows = Counter()
    for logged_at, requester_kind, presented, _category, outcome in demand_log(db, "0", "9"):
        demand_rows[(logged_at[:7], presented, requester_kind, outcome)] += 1
    kept = db.query(
        "SELECT month, presented, requester_kind, outcome, n FROM report_counts "
        "WHERE source = 'demand'"
    )
    for r in kept:
        demand_rows[(r["month"], r["presented"], r["requester_kind"], r["outcome"])] += r["n"]
    return case_rows, demand_rows


async def test_purging_one_case_per_chunk_keeps_every_count_and_every_hold(
    services, staff, officer, clock
):
    kinds = ["nothing", "emergency", "threat", "not_sure", "gagged_order", "nothing", "threat"]
    for kind in kinds:
        case_id = await finished_case(services, staff, officer, kind, "City Police")
        if kind == "gagged_order":  # restricted, and on hold until released
            await release_hold(services, officer, case_id)
        clock.advance(timedelta(days=12))  # the cases fall in several months
    held = await finished_case(services, staff, officer, "subpoena", "County Court")
    before = services.store.call(report_totals)
    assert sum(before[1].values()) == 4  # the unauthorized demands were logged
    clock.advance(timedelta(days=4 * 365))  # past every retention, the demand log's too
    plan = await purge_expired(services, pace=ONE_AT_A_TIME)
    assert plan.case_total == len(kinds) and plan.demands == 4 and plan.held == [held]
    assert services.store.call(report_totals) == before
    assert services.store.call(lambda db: cases.get_case(db, held)) is not None
    left = services.store.call(lambda db: db.execute("SELECT count(*) FROM cases").fetchone()[0])
    assert left == 1


async def test_a_report_waits_for_one_chunk_not_for_the_whole_purge(
    services, staff, officer, clock, monkeypatch
):
    for _ in range(12):
        await finished_case(services, staff, officer, "nothing", "City Police")
    clock.advance(timedelta(days=31))
    loop = asyncio.get_running_loop()
    first_chunk = asyncio.Event()
    take_chunk = store_purge.purge_closed_cases

    def noting_the_first(db, **kwargs):
        removed = take_chunk(db, **kwargs)
        loop.call_soon_threadsafe(first_chunk.set)
        return removed

    monkeypatch.setattr(store_purge, "purge_closed_cases", noting_the_first)
    purging = asyncio.create_task(purge_expired(services, pace=ONE_AT_A_TIME))
    await asyncio.wait_for(first_chunk.wait(), timeout=10)
    reply = await asyncio.wait_for(report_inquiry(services, staff), timeout=10)
    # The report went through between two chunks: the purge is still under way.
    assert not purging.done()
    still_there = services.store.call(
        lambda db: db.execute("SELECT count(*) FROM cases WHERE status = 'closed'").fetchone()[0]
    )
    assert still_there > 0
    plan = await asyncio.wait_for(purging, timeout=60)
    assert plan.case_total == 12
    assert services.store.call(lambda db: cases.get_case(db, reply.case_id)).is_open


async def test_a_purge_told_to_stop_ends_after_the_chunk_in_hand(
    services, staff, officer, clock, monkeypatch
):
    for _ in range(3):
        await finished_case(services, staff, officer, "nothing", "City Police")
    clock.advance(timedelta(days=31))
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    take_chunk = store_purge.purge_closed_cases

    def then_stop(db, **kwargs):
        removed = take_chunk(db, **kwargs)
        loop.call_soon_threadsafe(stop.set)  # as serve does when it is shutting down
        return removed

    monkeypatch.setattr(store_purge, "purge_closed_cases", then_stop)
    pace = Pace(chunk_seconds=0.0, share=1.0, checkpoint_each_chunk=True, first_chunk=1)
    stopped = await purge_expired(services, stop=stop, pace=pace)
    assert stopped.case_total == 1
    monkeypatch.setattr(store_purge, "purge_closed_cases", take_chunk)
    assert (await purge_expired(services)).case_total == 2  # the next purge takes the rest
    # SQLite's own checkpoint threshold is back once the purge is over.
    pages = services.store.call(lambda db: db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    assert pages == 1000


async def closed_long_ago(settings, db_path: Path, staff, officer, count: int) -> list[str]:
    # Long ago, so the command's real clock finds them past retention.
    services = build_services(
        settings, db_path, clock=FakeClock(datetime(2020, 1, 6, 10, 0, tzinfo=UTC))
    )
    try:
        return [
            await finished_case(services, staff, officer, "nothing", "City Police")
            for _ in range(count)
        ]
    finally:
        services.store.close()


def test_dry_run_lists_the_first_ids_and_counts_the_rest(
    settings, tmp_path, staff, officer, monkeypatch
):
    db_path = tmp_path / "backlog.db"
    made = asyncio.run(closed_long_ago(settings, db_path, staff, officer, 3))
    monkeypatch.setattr(store_purge, "SHOWN", 2)
    args = ["--config", str(STARTER_CONFIG), "--db", str(db_path)]
    dry = CliRunner().invoke(cli, ["purge", "--dry-run", *args])
    assert dry.exit_code == 0, dry.output
    assert "Would remove: 3 closed case(s), 0 drill(s)" in dry.output
    listed = [line.strip() for line in dry.output.splitlines() if line.startswith("  PG-")]
    assert len(listed) == 2 and set(listed) <= set(made)
    assert "  and 1 more" in dry.output
    real = CliRunner().invoke(cli, ["purge", *args])
    assert real.exit_code == 0 and "Removed: 3 closed case(s)" in real.output
    assert "  and 1 more" in real.output
