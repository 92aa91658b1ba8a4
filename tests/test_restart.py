"""Timers are rows: a restart loses nothing and sends nothing twice for one dedup key."""

from __future__ import annotations

from bot.runtime import build_services
from handlers.cases import report_inquiry
from handlers.intake import IntakeDetails, submit_intake
from handlers.pager import Pager
from storage import pages
from tests.conftest import RecordingNotifier


async def test_restart_between_queueing_and_delivery_delivers_exactly_once(
    settings, db_path, clock, staff
):
    first = build_services(settings, db_path, clock=clock)
    reply = await report_inquiry(first, staff)
    first.store.close()  # the process dies before the pager ran

    second = build_services(settings, db_path, clock=clock)
    notifier = RecordingNotifier()
    pager = Pager(second, {"console": notifier})
    await pager.run_once()
    await pager.run_once()
    assert [d.kind for d in notifier.sent] == ["page"]
    second.store.close()

    third = build_services(settings, db_path, clock=clock)
    again = RecordingNotifier()
    await Pager(third, {"console": again}).run_once()
    assert again.sent == []
    rows = third.store.call(lambda db: pages.pages_for_case(db, reply.case_id))
    assert [r.status for r in rows if r.kind == "page"].count("sent") == 1
    third.store.close()


async def test_escalation_timers_resume_after_restart(settings, db_path, clock, staff):
    first = build_services(settings, db_path, clock=clock)
    await report_inquiry(first, staff)
    await Pager(first, {"console": RecordingNotifier()}).run_once()
    first.store.close()
    clock.advance(settings.escalation.ack_timeout)
    second = build_services(settings, db_path, clock=clock)
    notifier = RecordingNotifier()
    await Pager(second, {"console": notifier}).run_once()
    assert [d.address for d in notifier.sent] == [settings.officers[1].key]
    second.store.close()


def test_queueing_the_same_dedup_key_twice_adds_one_row(services, staff):
    import asyncio

    reply = asyncio.run(report_inquiry(services, staff))
    key = f"{reply.case_id}:page:0:0:console"
    added = services.store.call(
        lambda db: pages.queue_page(
            db,
            case_id=reply.case_id,
            dedup_key=key,
            kind="page",
            recipient="x",
            channel="console",
            due_at="2026-01-01T00:00:00.000000Z",
        )
    )
    assert added is False


async def test_stopping_finishes_the_delivery_in_hand_and_leaves_the_rest_queued(services, staff):
    import asyncio

    from handlers.pager import Pager
    from storage import pages as page_rows

    stop = asyncio.Event()

    class StopsAfterFirst(RecordingNotifier):
        async def deliver(self, delivery):
            stop.set()  # shutdown begins while this delivery is in flight
            return await super().deliver(delivery)

    notifier = StopsAfterFirst()
    case_id = (await report_inquiry(services, staff)).case_id
    details = IntakeDetails("subpoena", "lawyer", False, "circulation", "")
    await submit_intake(
        services, staff, case_id, details
    )  # a card for staff, a page for the officer
    await Pager(services, {"console": notifier}).run_once(stop)
    assert len(notifier.sent) == 1
    queued = services.store.call(
        lambda db: [p for p in page_rows.due_pages(db, services.now_text())]
    )
    assert len(queued) >= 1  # not lost: the next start delivers them
