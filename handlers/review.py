"""The scheduled retention review for the library's other records."""

from __future__ import annotations

import logging

from handlers import views as v
from handlers.access import refuse_unless_privileged
from handlers.actors import Actor, role_of
from handlers.outage import storage_guard
from handlers.pager import Delivery, DeliveryFailed, Notifier, contact_address
from handlers.services import Services
from playbooks.review import ReviewPlaybook, items_on_hold, load_review
from storage import reviews
from storage.timefmt import from_text, to_text

log = logging.getLogger("patronguard.review")
ON_HOLD = "On hold, do not purge: legal process covers these records."


def review_checklist(
    services: Services, review: ReviewPlaybook, review_id: int, held: set[str]
) -> v.View:
    """The checklist, with held items marked; one button records that it was done."""
    on_hold = items_on_hold(review, held)
    lines = []
    for item in review.items:
        mark = f" [{ON_HOLD}]" if item.id in on_hold else ""
        lines.append(f"{item.title}{mark}" + (f": {item.detail}" if item.detail else ""))
    return v.View(
        title=review.title,
        lines=(review.intro,) if review.intro else (),
        sections=(v.Section("Checklist", tuple(lines)),),
        buttons=(v.Button("Review done", v.REVIEW_DONE, str(review_id), "primary"),),
        footer="PatronGuard records only that the review was done, and when.",
    )


async def send_due_review(services: Services, notifiers: dict[str, Notifier]) -> int | None:
    """Send the checklist when it is due; return the review id sent, if any."""
    config = services.settings.retention_review
    if not config.enabled:
        return None
    now = services.now()
    latest = await services.store.run(reviews.latest_review)
    if latest is None or (latest["sent_at"] and from_text(latest["due_at"]) + config.every <= now):
        due = to_text(now)
        review_id = await services.store.run(lambda db: reviews.add_review(db, due_at=due))
    elif latest["sent_at"] is None:
        review_id = latest["id"]  # due, but not yet delivered: try again
    else:
        return None
    person = _reviewer(services)
    checklist = load_review(config.checklist)
    held = await services.store.run(reviews.held_record_categories)
    view = review_checklist(services, checklist, review_id, held)
    for channel in (*person.chat_channels, "email", "console"):
        notifier = notifiers.get(channel)
        address = contact_address(person, channel)
        if notifier is None or not address:
            continue
        delivery = Delivery(0, f"review-{review_id}", "review", channel, address, view)
        try:
            await notifier.deliver(delivery)
        except DeliveryFailed as exc:
            log.warning(
                "retention review %s not delivered via %s (%s)", review_id, channel, exc.kind
            )
            continue
        sent = services.now_text()
        await services.store.run(
            lambda db, sent=sent: reviews.mark_review_sent(db, review_id, at=sent)  # type: ignore[misc]
        )
        return review_id
    return None


def _reviewer(services: Services):
    name = services.settings.retention_review.officer
    officers = services.settings.officers
    return next((o for o in officers if o.name == name), officers[0])


@storage_guard
async def complete_review(services: Services, actor: Actor, review_id: str) -> v.Reply:
    """Record that the review was done (officers only)."""
    refused = refuse_unless_privileged(
        role_of(services.settings, actor), "complete a retention review"
    )
    if refused:
        return refused
    if not str(review_id).isdigit():
        return v.refusal("That review does not exist.", title="Review not found")
    at = services.now_text()
    found = await services.store.run(lambda db: reviews.get_review(db, int(review_id)))
    if found is None:
        return v.refusal("That review does not exist.", title="Review not found")
    done = await services.store.run(
        lambda db: reviews.mark_review_done(db, int(review_id), at=at, by=actor.ref)
    )
    when = services.local_time(at if done else found["done_at"])
    title = "Retention review recorded as done" if done else "This review was already done"
    return v.Reply(view=v.View(title=title, lines=(f"Done at {when}.",), tone=v.SUCCESS))
