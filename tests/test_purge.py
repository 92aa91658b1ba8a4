"""Routine destruction is real, and legal holds override it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from handlers.cases import report_inquiry
from handlers.closing import close_case
from handlers.holds import release_hold
from handlers.intake import IntakeDetails, submit_intake
from handlers.retention import purge_expired, vacuum_if_due
from handlers.steps import mark_step
from playbooks.engine import applicable_steps
from storage import cases, demands
from storage.reports import case_counts

MARKER = "Zanzibar Quokka Bureau"


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
