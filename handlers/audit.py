"""The auditor: finds pages that should have gone out more than a minute ago."""

from __future__ import annotations

import logging
from datetime import timedelta

from handlers.services import Services
from storage import pages
from storage.records import PageRecord
from storage.timefmt import to_text

log = logging.getLogger("patronguard.audit")
OVERDUE_AFTER = timedelta(minutes=1)


async def overdue_pages(services: Services) -> list[PageRecord]:
    before = to_text(services.now() - OVERDUE_AFTER)
    return await services.store.run(lambda db: pages.overdue_pages(db, before))


async def audit_overdue(services: Services) -> int:
    """Log each overdue delivery (case id, channel, last error kind); return how many."""
    late = await overdue_pages(services)
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
    return len(late)
