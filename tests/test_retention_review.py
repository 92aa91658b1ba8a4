from __future__ import annotations

from datetime import timedelta

from handlers.cases import report_inquiry
from handlers.intake import IntakeDetails, submit_intake
from handlers.review import ON_HOLD, complete_review, send_due_review
from playbooks.review import load_review
from storage import reviews
from tests.conftest import RecordingNotifier


def enable(services, **changes):
    review = services.settings.retention_review.model_copy(update={"enabled": True, **changes})
    services.settings = services.settings.model_copy(update={"retention_review": review})


async def test_checklist_goes_to_the_privacy_officer_on_schedule(services, clock):
    enable(services, officer="Sam Ortega")
    notifier = RecordingNotifier()
    first = await send_due_review(services, {"console": notifier})
    assert first is not None
    assert [d.address for d in notifier.sent] == ["sam-ortega"]
    clock.advance(timedelta(days=29))
    assert await send_due_review(services, {"console": notifier}) is None
    clock.advance(timedelta(days=1))
    assert await send_due_review(services, {"console": notifier}) == first + 1
    assert len(notifier.sent) == 2


async def test_disabled_review_sends_nothing(services):
    notifier = RecordingNotifier()
    assert await send_due_review(services, {"console": notifier}) is None
    assert notifier.sent == []


async def test_items_covered_by_an_active_hold_are_marked_do_not_purge(services, staff):
    enable(services)
    case_id = (await report_inquiry(services, staff)).case_id
    await submit_intake(
        services,
        staff,
        case_id,
        IntakeDetails("subpoena", "lawyer", False, "camera", "County Court"),
    )
    notifier = RecordingNotifier()
    await send_due_review(services, {"console": notifier})
    lines = notifier.sent[0].view.sections[0].lines
    camera = next(line for line in lines if line.startswith("Camera footage"))
    circulation = next(line for line in lines if line.startswith("Circulation"))
    assert ON_HOLD in camera and ON_HOLD not in circulation


async def test_only_that_it_was_done_and_when_is_recorded(services, staff, officer, clock):
    enable(services)
    notifier = RecordingNotifier()
    review_id = await send_due_review(services, {"console": notifier})
    refused = await complete_review(services, staff, str(review_id))
    assert refused.refused
    done = await complete_review(services, officer, str(review_id))
    assert not done.refused and "recorded as done" in done.view.title
    again = await complete_review(services, officer, str(review_id))
    assert "already done" in again.view.title
    row = services.store.call(lambda db: reviews.get_review(db, review_id))
    assert set(row) == {"id", "due_at", "sent_at", "done_at", "done_by"}
    assert row["done_by"] == officer.ref
    missing = await complete_review(services, officer, "999")
    assert missing.refused and (await complete_review(services, officer, "x; drop")).refused


def test_builtin_checklist_loads():
    review = load_review()
    assert {"circulation_history", "computer_signups", "camera_footage"} <= {
        i.id for i in review.items
    }
