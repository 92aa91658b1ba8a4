"""A read-only or full database: a clear refusal with whom to phone, and an unhealthy /healthz."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.config import EmailSettings
from bot.server import RUNTIME, create_app
from handlers.cases import report_inquiry
from handlers.steps import mark_step
from storage import cases


def make_read_only(services) -> None:
    services.store.call(lambda db: db.execute("PRAGMA query_only=ON"), transaction=False)


def fill_disk(services) -> None:
    def cap(db):
        # The file may not grow by a single page: the disk is full.
        db.execute(f"PRAGMA max_page_count={db.execute('PRAGMA page_count').fetchone()[0]}")

    services.store.call(cap, transaction=False)


async def test_report_on_a_read_only_database_is_refused_with_phone_numbers(
    services, staff, settings
):
    make_read_only(services)
    reply = await report_inquiry(services, staff)
    assert reply.refused and "cannot record this right now" in reply.view.title
    text = " ".join(reply.view.lines)
    assert settings.officers[0].phone in text and settings.counsel.phone in text
    assert services.store.call(lambda db: db["cases"].count, transaction=False) == 0


async def test_full_disk_refuses_the_report_that_does_not_fit_and_keeps_the_rest_whole(
    services, staff, settings
):
    fill_disk(services)
    opened = []
    for _ in range(200):
        reply = await report_inquiry(services, staff)
        if reply.refused:
            break
        opened.append(reply.case_id)
    assert reply.refused, "the capped file never filled up"
    assert settings.officers[1].phone in " ".join(reply.view.lines)
    stored = services.store.call(lambda db: [r["id"] for r in db["cases"].rows])
    assert sorted(stored) == sorted(opened)  # the refused report left no half-written case
    for case_id in opened:
        assert services.store.call(
            lambda db, c=case_id: db["pages"].count_where("case_id = ?", [c])
        )


async def test_other_actions_are_refused_the_same_way(services, staff, officer):
    case_id = (await report_inquiry(services, staff)).case_id
    make_read_only(services)
    reply = await mark_step(services, staff, case_id, "refer", state="done")
    assert reply.refused and "Phone the responsible officer now" in reply.view.lines[0]
    steps = services.store.call(lambda db: cases.step_records(db, case_id), transaction=False)
    assert steps == {}


def with_email(settings):
    """Officers reachable by email, so health is about the database alone."""
    email = EmailSettings(host="127.0.0.1", port=2525, starttls=False, sender="pg@example.org")
    return settings.model_copy(update={"email": email})


async def test_healthz_turns_unhealthy_when_the_database_cannot_be_written(settings, db_path):
    app = create_app(with_email(settings), db_path, {}, slack=False, teams=False)
    async with TestClient(TestServer(app)) as client:
        runtime = app[RUNTIME]
        await runtime.pager.run_once()
        healthy = await client.get("/healthz")
        assert healthy.status == 200
        assert (await healthy.json())["database_writable"] is True
        make_read_only(runtime.services)
        sick = await client.get("/healthz")
        body = await sick.json()
        assert sick.status == 503 and body["database_writable"] is False and body["ok"] is False
