"""The pager: delivers the outbox through notifiers, with backoff; resumes after restarts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from handlers import views as v
from handlers.actors import Actor, role_of
from handlers.page_views import (
    acknowledged_notice,
    acknowledged_page,
    change_notice,
    combined_page,
    exhausted_notice,
    officer_page,
)
from handlers.presenters import case_card
from handlers.services import Services
from handlers.settings import Contact
from storage import cases, pages
from storage.records import CaseRecord, IntakeChange, PageKind, PageRecord, StepRecord
from storage.timefmt import from_text, to_text

log = logging.getLogger("patronguard.pager")

FALLBACK_CHANNELS = frozenset({"email", "webhook"})


@dataclass(frozen=True)
class Delivery:
    """One message to send (or to edit, when `update_ref` says where the old one is)."""

    page_id: int
    case_id: str
    kind: PageKind | str  # "review" for the retention checklist, outside the outbox
    channel: str
    address: str  # the recipient's chat id, or the reporter's id on the case's channel
    view: v.View
    update_ref: dict[str, Any] | None = None
    drill: bool = False
    restricted: bool = False


class DeliveryFailed(Exception):
    """A notifier could not deliver. `permanent` ones are not retried."""

    def __init__(self, kind: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(kind)
        self.kind = kind
        self.permanent = permanent
        self.retry_after = retry_after


class Notifier(Protocol):
    """A channel the pager delivers through. Each says its own pacing: how soon a new page
    may follow another to the same person, and how many cases one page may offer buttons
    for (the rest are named in its text)."""

    channel: str
    page_interval: timedelta
    max_buttons: int

    async def deliver(self, delivery: Delivery) -> dict[str, Any] | None:
        """Send or update; return where the message now is (for later edits)."""
        ...


class Pager:
    """Sends due outbox rows; `run_once` for tests with a fake clock, `run` inside serve."""

    def __init__(self, services: Services, notifiers: dict[str, Notifier]):
        self.services = services
        self.notifiers = notifiers
        self._wake = asyncio.Event()
        self.last_cycle_at: float | None = None
        self._last_page_at: dict[tuple[str, str], datetime] = {}

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """Deliver everything due now; return how many deliveries were attempted.

        With `stop` set, the delivery in hand finishes and the rest wait for the next start.
        """
        now = self.services.now_text()
        due = await self.services.store.run(lambda db: pages.due_pages(db, now))
        singles, groups = _coalesce(due, self.notifiers)
        attempted = 0
        for batch in [*groups, *([page] for page in singles)]:
            if stop is not None and stop.is_set():
                break
            if await self._pace(batch):
                continue
            if len(batch) > 1:
                await self._deliver_combined(batch)
            else:
                await self._deliver(batch[0])
            attempted += len(batch)
        self.last_cycle_at = asyncio.get_running_loop().time()
        return attempted

    async def run(self, stop: asyncio.Event, *, idle: float = 30.0) -> None:
        """Deliver until `stop` is set, sleeping until the next due row or a wake-up.

        `idle` caps a sleep, so a clock that jumps (or a row written by another process) is
        noticed within it.
        """
        while not stop.is_set():
            # Cleared before the cycle, so a wake-up that comes during it is not lost.
            self._wake.clear()
            try:
                handled = await self.run_once(stop)
                wait = await self._until_next_due(idle)
            except Exception as exc:  # the pager must outlive any single failure
                log.error("pager cycle failed: %s", type(exc).__name__)
                handled, wait = 0, idle
            if handled:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def _until_next_due(self, idle: float) -> float:
        """Seconds until the next queued row is due, at most `idle`."""
        due = await self.services.store.run(pages.next_due_at)
        if due is None:
            return idle
        seconds = (from_text(due) - self.services.now()).total_seconds()
        return min(idle, max(seconds, 0.0))

    async def _deliver(self, page: PageRecord) -> None:
        services = self.services
        case, steps, changes, ref, covered = await services.store.run(
            lambda db: (
                cases.get_case(db, page.case_id),
                cases.step_records(db, page.case_id),
                cases.intake_changes(db, page.case_id) if page.kind == "changed" else [],
                _update_ref(db, page),
                page.channel in FALLBACK_CHANNELS and pages.delivered_before(db, page),
            )
        )
        if case is None:
            return
        if covered:  # chat got through; the fallback is not needed
            await services.store.run(lambda db: pages.mark_not_needed(db, page.id))
            return
        channel = case.channel if page.channel == "reporter" else page.channel
        notifier = self.notifiers.get(channel)
        if notifier is None:
            await services.store.run(
                lambda db: pages.mark_failed(db, page.id, error_kind="channel_not_enabled")
            )
            log.warning("case %s: no %s notifier for page %s", case.id, channel, page.id)
            return
        if page.update_of is not None and (ref is None or ref.get("coalesced")):
            # Nothing to edit (the original was never delivered): nothing to do.
            await services.store.run(
                lambda db: pages.mark_sent(db, page.id, at=services.now_text(), delivery_ref=None)
            )
            return
        delivery = Delivery(
            page_id=page.id,
            case_id=case.id,
            kind=page.kind,
            channel=channel,
            address=_address(services, case, page, channel),
            view=_view_for(services, case, steps, changes, page),
            update_ref=ref,
            drill=bool(case.drill),
            restricted=bool(case.restricted),
        )
        if not delivery.address:
            await services.store.run(
                lambda db: pages.mark_failed(db, page.id, error_kind="no_address")
            )
            return
        try:
            where = await notifier.deliver(delivery)
        except DeliveryFailed as exc:
            await self._retry_later(page, exc)
            return
        except Exception as exc:  # a notifier bug must not stop other pages
            await self._retry_later(page, DeliveryFailed(type(exc).__name__))
            return
        at = services.now_text()
        await services.store.run(lambda db: pages.mark_sent(db, page.id, at=at, delivery_ref=where))
        log.info("case %s: %s delivered via %s", case.id, page.kind, channel)

    async def _pace(self, batch: list[PageRecord]) -> bool:
        """Hold back a new page to someone paged too recently for their channel (Slack: one
        message a second per channel); return True if the batch was postponed."""
        first = batch[0]
        notifier = self.notifiers.get(first.channel)
        interval = getattr(notifier, "page_interval", None)
        if first.kind not in ("page", "counsel") or not interval:
            return False
        target = (first.channel, first.recipient)
        now = self.services.now()
        last = self._last_page_at.get(target)
        if last is not None and now - last < interval:
            until = to_text(last + interval)
            ids = [p.id for p in batch]
            await self.services.store.run(lambda db: pages.postpone(db, ids, until=until))
            return True
        self._last_page_at[target] = now
        return False

    async def _deliver_combined(self, group: list[PageRecord]) -> None:
        """One message for several cases paging the same officer on the same channel."""
        services = self.services
        first = group[0]
        loaded = await services.store.run(lambda db: [cases.get_case(db, p.case_id) for p in group])
        found = [c for c in loaded if c is not None]
        notifier = self.notifiers.get(first.channel)
        if notifier is None or len(found) != len(group):
            for page in group:  # fall back to one at a time, which handles each case
                await self._deliver(page)
            return
        delivery = Delivery(
            page_id=first.id,
            case_id=",".join(c.id for c in found),
            kind="page",
            channel=first.channel,
            address=_address(services, found[0], first, first.channel),
            view=combined_page(services, found),
            drill=all(c.drill for c in found),
            restricted=any(c.restricted for c in found),
        )
        try:
            where = await notifier.deliver(delivery)
        except DeliveryFailed as exc:
            for page in group:
                await self._retry_later(page, exc)
            return
        except Exception as exc:  # a notifier bug must not stop other pages
            for page in group:
                await self._retry_later(page, DeliveryFailed(type(exc).__name__))
            return
        at = services.now_text()
        shared = {**(where or {}), "coalesced": True}  # edits must not clobber the others
        await services.store.run(
            lambda db: [pages.mark_sent(db, p.id, at=at, delivery_ref=shared) for p in group]
        )
        log.info("cases %s: one combined page via %s", delivery.case_id, first.channel)

    async def _retry_later(self, page: PageRecord, exc: DeliveryFailed) -> None:
        services = self.services
        if exc.permanent:
            await services.store.run(lambda db: pages.mark_failed(db, page.id, error_kind=exc.kind))
            log.warning("case %s: page %s failed permanently (%s)", page.case_id, page.id, exc.kind)
            return
        esc = services.settings.escalation
        backoff = min(esc.retry_backoff * (2 ** min(page.attempts, 16)), esc.retry_backoff_max)
        if exc.retry_after is not None:
            backoff = max(backoff, timedelta(seconds=exc.retry_after))
        when = to_text(services.now() + backoff)
        await services.store.run(
            lambda db: pages.mark_retry(db, page.id, next_attempt_at=when, error_kind=exc.kind)
        )
        log.warning(
            "case %s: page %s not delivered (%s); retrying", page.case_id, page.id, exc.kind
        )


def _coalesce(
    due: list[PageRecord], notifiers: dict[str, Notifier]
) -> tuple[list[PageRecord], list[list[PageRecord]]]:
    """Split due rows into single deliveries and groups of officer pages to combine."""
    by_target: dict[tuple[str, str], list[PageRecord]] = {}
    singles: list[PageRecord] = []
    for page in due:
        if page.kind == "page" and page.channel not in FALLBACK_CHANNELS:
            by_target.setdefault((page.channel, page.recipient), []).append(page)
        else:
            singles.append(page)
    groups = []
    for rows in by_target.values():
        if len({r.case_id for r in rows}) < 2:
            singles.extend(rows)
            continue
        size = max(1, getattr(notifiers.get(rows[0].channel), "max_buttons", 1))
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            if len(chunk) > 1:
                groups.append(chunk)
            else:
                singles.extend(chunk)
    return singles, groups


def _update_ref(db, page: PageRecord) -> dict[str, Any] | None:
    if page.update_of is None:
        return None
    original = pages.get_page(db, page.update_of)
    return original.delivered_to if original and original.delivery_ref else None


def _address(services: Services, case: CaseRecord, page: PageRecord, channel: str) -> str:
    if page.recipient == "reporter":
        return case.reporter_id
    settings = services.settings
    person = settings.counsel if page.recipient == "counsel" else settings.officer(page.recipient)
    return contact_address(person, channel) if person else ""


def contact_address(person: Contact, channel: str) -> str:
    """Where a person is reached on a channel (see Contact.address_on)."""
    return person.address_on(channel) or ""


def _view_for(
    services: Services,
    case: CaseRecord,
    steps: dict[str, StepRecord],
    changes: list[IntakeChange],
    page: PageRecord,
) -> v.View:
    if page.kind == "page":
        return officer_page(services, case)
    if page.kind == "counsel":
        return officer_page(services, case, to_counsel=True)
    if page.kind == "ack_update":
        return acknowledged_page(services, case)
    if page.kind == "acknowledged":
        return acknowledged_notice(services, case)
    if page.kind == "exhausted":
        return exhausted_notice(services, case)
    if page.kind == "changed":
        return change_notice(services, case, changes)
    # card and refresh: the reporter's own view of the case
    reporter = Actor(case.channel, case.reporter_id)
    return case_card(services, case, steps, viewer_role=role_of(services.settings, reporter))
