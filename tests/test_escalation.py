from __future__ import annotations

from handlers.acknowledge import acknowledge_page
from handlers.cases import report_inquiry
from storage import pages
from tests.conftest import minutes


async def test_report_queues_first_page_in_same_transaction_and_pages_at_once(
    services, pager, notifier, staff, settings
):
    reply = await report_inquiry(services, staff)
    queued = services.store.call(lambda db: pages.pages_for_case(db, reply.case_id))
    assert queued and all(p.status == "queued" for p in queued)
    assert reply.form is not None and reply.form.form_id == "intake"
    assert "is being paged now" in " ".join(
        line for section in reply.view.sections for line in section.lines
    )
    await pager.run_once()
    first = settings.officers[0].key
    assert notifier.kinds_to(first) == ["page"]
    assert notifier.kinds_to(settings.officers[1].key) == []


async def test_no_acknowledgement_escalates_to_next_officer_then_repeats(
    services, pager, notifier, staff, settings, clock
):
    await report_inquiry(services, staff)
    keys = [o.key for o in settings.officers]
    await pager.run_once()
    clock.advance(minutes(4.9))
    await pager.run_once()
    assert [d.address for d in notifier.sent] == [keys[0]]
    clock.advance(minutes(0.1))
    await pager.run_once()
    assert [d.address for d in notifier.sent] == keys[:2]
    clock.advance(minutes(5))
    await pager.run_once()
    clock.advance(minutes(5))  # second round starts again at the top
    await pager.run_once()
    assert [d.address for d in notifier.sent] == [*keys, keys[0]]


async def test_exhausted_chain_tells_reporter_whom_to_phone(
    services, pager, notifier, staff, settings, clock
):
    await report_inquiry(services, staff)
    slots = len(settings.officers) * settings.escalation.repeats
    for _ in range(slots):
        await pager.run_once()
        clock.advance(settings.escalation.ack_timeout)
    await pager.run_once()
    notice = [d for d in notifier.sent if d.kind == "exhausted"]
    assert len(notice) == 1 and notice[0].address == staff.user_id
    text = " ".join(notice[0].view.lines)
    assert settings.officers[0].phone in text and settings.counsel.phone in text


async def test_acknowledgement_stops_escalation_and_tells_everyone(
    services, pager, notifier, staff, officer, settings, clock
):
    reply = await report_inquiry(services, staff)
    await pager.run_once()
    ack = await acknowledge_page(services, officer, reply.case_id)
    assert not ack.refused and "acknowledged by Dana Whitfield" in ack.view.title
    await pager.run_once()
    for _ in range(10):
        clock.advance(settings.escalation.ack_timeout)
        await pager.run_once()
    kinds = [d.kind for d in notifier.sent]
    assert kinds.count("page") == 1
    assert "exhausted" not in kinds
    assert sorted(notifier.kinds_to(staff.user_id)) == ["acknowledged", "card"]
    updated = [d for d in notifier.sent if d.kind == "ack_update"]
    assert updated and updated[0].update_ref == {"n": 1}  # edits the page it was sent as


async def test_acknowledging_twice_is_harmless(services, pager, staff, officer, second_officer):
    reply = await report_inquiry(services, staff)
    await acknowledge_page(services, officer, reply.case_id)
    again = await acknowledge_page(services, second_officer, reply.case_id)
    assert "already acknowledged by Dana Whitfield" in again.view.title


async def test_staff_cannot_acknowledge(services, staff):
    reply = await report_inquiry(services, staff)
    refused = await acknowledge_page(services, staff, reply.case_id)
    assert refused.refused and "Only the responsible officer" in refused.view.lines[0]


async def test_failed_delivery_is_retried_with_backoff_not_lost(
    services, pager, notifier, staff, clock
):
    from handlers.pager import DeliveryFailed

    notifier.failures = [
        DeliveryFailed("server_error"),
        DeliveryFailed("ratelimited", retry_after=40),
    ]
    await report_inquiry(services, staff)
    await pager.run_once()
    assert notifier.sent == []
    clock.advance(15)
    await pager.run_once()  # second failure asks for 40s
    clock.advance(30)
    await pager.run_once()
    assert notifier.sent == []
    clock.advance(10)
    await pager.run_once()
    assert [d.kind for d in notifier.sent] == ["page"]


async def test_fallback_goes_out_only_when_chat_delivery_keeps_failing(
    settings, db_path, clock, staff
):
    from datetime import timedelta

    from bot.runtime import build_services
    from handlers.pager import DeliveryFailed, Pager
    from tests.conftest import RecordingNotifier

    services = build_services(
        settings, db_path, clock=clock, page_channels=frozenset({"slack", "email"})
    )
    slack, email = RecordingNotifier("slack"), RecordingNotifier("email")
    pager = Pager(services, {"slack": slack, "email": email})
    slack.failures = [DeliveryFailed("server_error")] * 20
    await report_inquiry(services, staff)
    await pager.run_once()
    clock.advance(timedelta(minutes=1, seconds=59))
    await pager.run_once()
    assert email.sent == []
    clock.advance(timedelta(seconds=1))  # fallback_after (2m) with chat still failing
    await pager.run_once()
    first = settings.officers[0]
    assert [(d.kind, d.address) for d in email.sent] == [("page", first.email)]
    services.store.close()


async def test_fallback_is_not_sent_when_chat_arrived(settings, db_path, clock, staff):
    from datetime import timedelta

    from bot.runtime import build_services
    from handlers.pager import Pager
    from storage import pages
    from tests.conftest import RecordingNotifier

    services = build_services(
        settings, db_path, clock=clock, page_channels=frozenset({"slack", "email"})
    )
    slack, email = RecordingNotifier("slack"), RecordingNotifier("email")
    pager = Pager(services, {"slack": slack, "email": email})
    reply = await report_inquiry(services, staff)
    await pager.run_once()
    clock.advance(timedelta(minutes=2))
    await pager.run_once()
    assert [d.address for d in slack.sent] == [settings.officers[0].slack_id]
    assert email.sent == []
    rows = services.store.call(lambda db: pages.pages_for_case(db, reply.case_id))
    email_row = next(r for r in rows if r.channel == "email" and r.position == 0 and r.round == 0)
    assert (email_row.status, email_row.last_error) == ("cancelled", "not_needed")
    services.store.close()


async def test_several_cases_at_once_reach_an_officer_as_one_page(
    services, pager, notifier, staff, officer, settings, clock
):
    from handlers.actors import Actor

    first = (await report_inquiry(services, staff)).case_id
    second = (await report_inquiry(services, Actor("console", "desk-2"))).case_id
    await pager.run_once()
    pages_sent = [d for d in notifier.sent if d.kind == "page"]
    assert len(pages_sent) == 1
    combined = pages_sent[0]
    assert combined.address == settings.officers[0].key
    named = " ".join(line for section in combined.view.sections for line in section.lines)
    assert first in named and second in named
    assert {b.value for b in combined.view.buttons} == {first, second}
    await acknowledge_page(services, officer, first)
    await pager.run_once()
    assert not [d for d in notifier.sent if d.kind == "ack_update"]  # the shared page stays
    clock.advance(settings.escalation.ack_timeout)
    await pager.run_once()  # the unacknowledged case alone escalates
    escalated = [d for d in notifier.sent if d.kind == "page"][1:]
    assert [(d.address, d.case_id) for d in escalated] == [(settings.officers[1].key, second)]


async def test_new_pages_to_one_officer_are_paced_a_second_apart(
    services, pager, notifier, settings, clock
):
    from handlers.actors import Actor

    await report_inquiry(services, Actor("console", "desk-1"))
    await pager.run_once()
    await report_inquiry(services, Actor("console", "desk-2"))  # arrives just after
    await pager.run_once()
    assert len([d for d in notifier.sent if d.kind == "page"]) == 1  # held back, not dropped
    clock.advance(1)
    await pager.run_once()
    pages_sent = [d for d in notifier.sent if d.kind == "page"]
    assert len(pages_sent) == 2 and pages_sent[1].address == settings.officers[0].key


async def test_turns_that_came_due_while_the_pager_was_stopped_all_go_out_once(
    services, pager, notifier, staff, settings, clock
):
    case_id = (await report_inquiry(services, staff)).case_id
    await pager.run_once()
    clock.advance(settings.escalation.ack_timeout * 7)  # every turn and the notice are due
    for _ in range(4):  # pages to one officer are paced a second apart
        await pager.run_once()
        clock.advance(1)
    sent = [(d.kind, d.address) for d in notifier.sent if d.case_id == case_id]
    director, privacy = settings.officers[0].key, settings.officers[1].key
    assert sent.count(("page", director)) == 2 and sent.count(("page", privacy)) == 2
    assert sent.count(("exhausted", staff.user_id)) == 1
    rows = services.store.call(lambda db: pages.pages_for_case(db, case_id))
    assert len({r.dedup_key for r in rows}) == len(rows)  # nothing queued twice
