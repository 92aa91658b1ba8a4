"""The auditor: finds pages that should have gone out more than a minute ago."""

from __future__ import annotations

import logging
from datetime import timedelta

from handlers.services import Services
from storage import escalations, pages
from storage.records import PageRecord
from storage.timefmt import to_text

log = logging.getLogger("patronguard.audit")
OVERDUE_AFTER = timedelta(minutes=1)


async def overdue_pages(services: Services) -> list[PageRecord]:
    before = to_text(services.now() - OVERDUE_AFTER)
    return await services.store.run(lambda db: pages.overdue_pages(db, before))


async def overdue_count(services: Services) -> int:
    """Deliveries and escalation turns that should have gone out more than a minute ago."""
    before = to_text(services.now() - OVERDUE_AFTER)
    return await services.store.run(
        lambda db: len(pages.overdue_pages(db, before)) + escalations.overdue(db, before)
    )


async def audit_overdue(services: Services) -> int:
    """Log each overdue delivery (case id, channel, last error kind); return how many."""
    late = await overdue_pages(services)
    turns = await services.store.run(
        lambda db: escalations.overdue(db, to_text(services.now() - OVERDUE_AFTER))
    )
    if turns:
        log.warning("%d escalation turn(s) overdue: is the pager running?", turns)
    for page in late:
        log.warning(
            "case %s: %s via %s overdue since %s (attempts %d, last error %s)",
            page.case_id,
            page.kind,
            page.channel,
            page.due_at,
            page.attempts,
            page.last_error or "none",
        )
    return len(late) + turns
