from __future__ import annotations

import asyncio
import re
import sqlite3

import pytest

from storage.db import StorageUnavailable, connect, pragma_values
from storage.writer import Store

# Words that would mean a column could hold message text or a patron's identity.
FORBIDDEN = re.compile(r"text|message|body|content|patron|name|card|barcode|title|address|note")


def test_every_connection_sets_the_pragmas(db_path):
    db = connect(db_path)
    assert pragma_values(db) == {
        "journal_mode": "wal",
        "synchronous": 2,
        "secure_delete": 1,
        "foreign_keys": 1,
    }


def test_migrations_apply_once_and_reopen_cleanly(db_path):
    connect(db_path).conn.close()
    db = connect(db_path)
    applied = [r["name"] for r in db["_sqlite_migrations"].rows]
    assert applied == [
        "m001_core_tables",
        "m002_conversation_refs",
        "m003_retention",
        "m004_retention_reviews",
        "m005_purge_indexes",
        "m006_intake_facts",
        "m007_demand_log_without_free_text",
        "m008_health_probe",
        "m009_compact_escalation_and_exactly_once",
        "m010_legal_process",
    ]


# The only columns that take free text: short, redacted before they are written, and gone
# with their case. Everything else is a category, a date, a count or an id of ours.
REDACTED_FREE_TEXT = {("cases", "agency"), ("cases", "summary"), ("processes", "note")}
# The record of legal process, column by column: nothing here can hold a person.
LEGAL_PROCESS_TABLES = {
    "processes": {
        "case_id",
        "kind",
        "authority",
        "received_on",
        "received_how",
        "served_on",
        "due_on",
        "copy_with_counsel",
        "note",
        "responded_at",
        "responded_on",
        "recorded_at",
        "recorded_by",
    },
    "releases": {
        "id",
        "case_id",
        "released_on",
        "record_category",
        "items",
        "recorded_at",
        "recorded_by",
    },
    "process_counts": {"month", "kind", "restricted", "deadline", "n"},
    "release_counts": {"month", "record_category", "restricted", "releases", "items"},
    "event_counts": {"month", "kind", "restricted", "n"},
}


def test_schema_has_no_column_for_message_text_or_patrons(db_path):
    db = connect(db_path)
    for table in db.tables:
        if table.name.startswith("_"):
            continue
        for column in table.columns:
            if (table.name, column.name) in REDACTED_FREE_TEXT:
                continue
            assert not FORBIDDEN.search(column.name), f"{table.name}.{column.name}"


def test_the_legal_process_record_has_only_the_columns_it_needs(db_path):
    db = connect(db_path)
    for name, columns in LEGAL_PROCESS_TABLES.items():
        assert {c.name for c in db.table(name).columns} == columns, name


def test_deleting_a_case_deletes_its_steps_events_and_pages(db_path):
    from storage import cases, pages

    db = connect(db_path)
    with db.atomic():
        case_id = cases.insert_case(
            db,
            opened_at="2026-01-01T00:00:00.000000Z",
            drill=False,
            channel="console",
            reporter_id="desk",
            reporter_ref=None,
            chain=["a"],
        )
        cases.set_step_state(db, case_id, "refer", state="done", by_user="x", at="2026")
        pages.queue_page(
            db,
            case_id=case_id,
            dedup_key="k",
            kind="page",
            recipient="a",
            channel="console",
            due_at="2026",
        )
    db.execute("DELETE FROM cases WHERE id = ?", [case_id])
    for table in ("case_steps", "case_events", "pages"):
        assert db[table].count == 0, table


async def test_concurrent_writes_go_through_one_writer_without_losing_any(db_path):
    store = Store(db_path)
    store.start()

    def add(n: int):
        return lambda db: db["seen_events"].insert({"key": f"k{n}", "seen_at": "2026"})

    await asyncio.gather(*(store.run(add(n)) for n in range(200)))
    assert store.call(lambda db: db["seen_events"].count) == 200
    store.close()


async def test_a_failing_transaction_is_rolled_back_whole(db_path):
    store = Store(db_path)

    def half_then_fail(db):
        db["seen_events"].insert({"key": "a", "seen_at": "2026"})
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await store.run(half_then_fail)
    assert store.call(lambda db: db["seen_events"].count) == 0
    store.close()


def test_unwritable_location_gives_a_clear_error(tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "p.db"
    store = Store(missing)
    with pytest.raises(StorageUnavailable) as caught:
        store.start()
    assert "check the disk space and permissions" in str(caught.value)


async def test_a_failing_job_queued_with_others_rolls_back_alone(db_path):
    store = Store(db_path)
    store.start()

    def insert(key: str):
        return lambda db: db["seen_events"].insert({"key": key, "seen_at": "2026"})

    def fails(db):
        db["seen_events"].insert({"key": "doomed", "seen_at": "2026"})
        raise ValueError("refused")

    blocker = store.submit(lambda db: __import__("time").sleep(0.2), transaction=False)
    futures = [store.submit(insert(f"k{n}")) for n in range(5)]
    futures.insert(2, store.submit(fails))
    blocker.result()
    results = [f.exception() for f in futures]
    names = [type(r).__name__ for r in results]
    assert names == ["NoneType", "NoneType", "ValueError", "NoneType", "NoneType", "NoneType"]
    keys = store.call(lambda db: sorted(r["key"] for r in db["seen_events"].rows))
    assert keys == ["k0", "k1", "k2", "k3", "k4"]
    store.close()


async def test_a_background_job_runs_after_the_jobs_queued_with_it_in_its_own_transaction(
    db_path,
):
    store = Store(db_path)
    store.start()
    ran: list[str] = []

    def job(name: str):
        def run(db):
            ran.append(name)
            db["seen_events"].insert({"key": name, "seen_at": "2026"})

        return run

    def background(db):
        ran.append("background")
        # Another connection sees only what is committed: the others were, before this began.
        other = sqlite3.connect(db_path)
        try:
            return sorted(r[0] for r in other.execute("SELECT key FROM seen_events"))
        finally:
            other.close()

    blocker = store.submit(lambda db: __import__("time").sleep(0.2), transaction=False)
    seen = store.submit(background, background=True)
    first, second = store.submit(job("first")), store.submit(job("second"))
    blocker.result()
    assert seen.result() == ["first", "second"]
    assert first.exception() is None and second.exception() is None
    assert ran == ["first", "second", "background"]  # queued after it, they still went first
    store.close()


def test_a_background_job_left_waiting_when_the_store_closes_is_told_so(db_path):
    store = Store(db_path)
    store.start()
    blocker = store.submit(lambda db: __import__("time").sleep(0.2), transaction=False)
    waiting = store.submit(lambda db: None, background=True)
    store.close()  # queued behind the blocker, before the background job's turn
    blocker.result()
    with pytest.raises(StorageUnavailable):
        waiting.result(timeout=5)
