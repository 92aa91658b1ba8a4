"""The pager: delivers the outbox through notifiers, exactly once, with backoff.

Each cycle first writes to the outbox the escalation turns that have come due, then sends
the due rows. A row is claimed (committed as `sending`) before its channel is called, so a
pager that dies mid-send leaves it marked; the next pager queues it again as uncertain, and
the channel is asked whether the message already arrived before anything is sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlite_utils import Database

from handlers import escalation
from handlers import views as v
from handlers.actors import Actor, role_of
from handlers.page_views import (
    acknowledged_notice,
    acknowledged_page,
    change_notice,
    combined_page,
    deadline_reminder,
    exhausted_notice,
    officer_page,
    sent_again,
)
from handlers.presenters import case_card
from handlers.services import Services
from handlers.settings import Contact
from storage import cases, escalations, pages, processes
from storage.processes import LegalRecord
from storage.records import CaseRecord, IntakeChange, PageKind, PageRecord, StepRecord
from storage.timefmt import from_text, to_text

log = logging.getLogger("patronguard.pager")

FALLBACK_CHANNELS = frozenset({"email", "webhook"})
OFFICER_PAGES = ("page", "counsel")


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
    page_ids: tuple[int, ...] = ()  # every outbox row this one message delivers
    resend: bool = False  # sent before, perhaps: the pager could not tell whether it arrived

    @property
    def rows(self) -> tuple[int, ...]:
        return self.page_ids or (self.page_id,)


class DeliveryFailed(Exception):
    """A notifier could not deliver. `permanent` ones are not retried; `uncertain` ones may
    have reached the person anyway (the call timed out after it was sent)."""

    def __init__(
        self,
        kind: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        uncertain: bool = False,
    ):
        super().__init__(kind)
        self.kind = kind
        self.permanent = permanent
        self.retry_after = retry_after
        self.uncertain = uncertain


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


# A notifier that can look for a message it may already have sent offers this: given the
# delivery, it returns where the message is for each outbox row it found, by row id.
Recover = Callable[[Delivery], Awaitable[dict[int, dict[str, Any]]]]


class Pager:
    """Sends due outbox rows; `run_once` for tests with a fake clock, `run` inside serve."""

    def __init__(self, services: Services, notifiers: dict[str, Notifier]):
        self.services = services
        self.notifiers = notifiers
        self.run_id = secrets.token_hex(8)  # whose claim a `sending` row is
        self._wake = asyncio.Event()
        self._recovered = False
        self.last_cycle_at: float | None = None
        self._last_page_at: dict[tuple[str, str], datetime] = {}

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """Deliver everything due now; return how many deliveries were attempted.

        With `stop` set, the delivery in hand finishes and the rest wait for the next start.
        """
        now = self.services.now()
        recover = not self._recovered

        def due(db: Database) -> list[PageRecord]:
            if recover:
                pages.recover_interrupted(db, now=to_text(now))
            escalation.queue_due_turns(db, now)
            return pages.due_pages(db, to_text(now))

        rows = await self.services.store.run(due)
        self._recovered = True
        singles, groups = _coalesce(rows)
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
        """Seconds until the next queued row or escalation turn is due, at most `idle`."""
        found = await self.services.store.run(
            lambda db: [d for d in (pages.next_due_at(db), escalations.next_due_at(db)) if d]
        )
        if not found:
            return idle
        seconds = (from_text(min(found)) - self.services.now()).total_seconds()
        return min(idle, max(seconds, 0.0))

    # -- one row ---------------------------------------------------------------------------

    async def _deliver(self, page: PageRecord) -> None:
        services = self.services
        claimed_at = services.now_text()

        def load(db: Database) -> tuple[Any, ...]:
            covered = page.channel in FALLBACK_CHANNELS and pages.delivered_before(db, page)
            held = [] if covered else pages.claim(db, [page.id], by=self.run_id, at=claimed_at)
            return (
                cases.get_case(db, page.case_id),
                cases.step_records(db, page.case_id),
                cases.intake_changes(db, page.case_id) if page.kind == "changed" else [],
                processes.legal_record(db, page.case_id) if page.kind == "deadline" else None,
                _update_ref(db, page),
                covered,
                bool(held),
            )

        case, steps, changes, legal, ref, covered, held = await services.store.run(load)
        if covered:  # chat got through; the fallback is not needed
            await services.store.run(lambda db: pages.mark_not_needed(db, page.id))
            return
        if case is None or not held:
            return  # purged, or cancelled since it was read
        channel = case.channel if page.channel == "reporter" else page.channel
        notifier = self.notifiers.get(channel)
        if notifier is None:
            await self._fail(page, "channel_not_enabled")
            log.warning("case %s: no %s notifier for page %s", case.id, channel, page.id)
            return
        if page.update_of is not None and (ref is None or ref.get("coalesced")):
            # Nothing to edit (the original was never delivered): nothing to do.
            await self._sent([page], None)
            return
        delivery = Delivery(
            page_id=page.id,
            case_id=case.id,
            kind=page.kind,
            channel=channel,
            address=_address(services, case, page, channel),
            view=_view_for(services, case, steps, changes, page, legal),
            update_ref=ref,
            drill=bool(case.drill),
            restricted=bool(case.restricted),
            page_ids=(page.id,),
        )
        if not delivery.address:
            await self._fail(page, "no_address")
            return
        await self._send(notifier, delivery, [page])

    # -- several cases for one officer, as one message ---------------------------------------

    async def _deliver_combined(self, group: list[PageRecord]) -> None:
        """One message naming every case now due for one officer on one channel."""
        services = self.services
        first = group[0]
        claimed_at = services.now_text()
        ids = [p.id for p in group]

        def load(db: Database) -> tuple[list[CaseRecord | None], list[int]]:
            held = pages.claim(db, ids, by=self.run_id, at=claimed_at)
            return [cases.get_case(db, p.case_id) for p in group], held

        loaded, held = await services.store.run(load)
        notifier = self.notifiers.get(first.channel)
        mine = [p for p, c in zip(group, loaded, strict=True) if p.id in held and c is not None]
        found = [c for p, c in zip(group, loaded, strict=True) if p.id in held and c is not None]
        if notifier is None or not mine:
            for page in mine:
                await self._fail(page, "channel_not_enabled")
            return
        delivery = Delivery(
            page_id=mine[0].id,
            case_id=",".join(c.id for c in found),
            kind="page",
            channel=first.channel,
            address=_address(services, found[0], first, first.channel),
            view=combined_page(services, found, max_buttons=notifier.max_buttons),
            drill=all(c.drill for c in found),
            restricted=any(c.restricted for c in found),
            page_ids=tuple(p.id for p in mine),
        )
        # Later edits ("acknowledged by") must not overwrite a message naming other cases.
        await self._send(notifier, delivery, mine, coalesced=len(mine) > 1)

    # -- sending and settling --------------------------------------------------------------

    async def _send(
        self,
        notifier: Notifier,
        delivery: Delivery,
        rows: list[PageRecord],
        *,
        coalesced: bool = False,
    ) -> None:
        """Deliver, first asking the channel about rows that may have arrived already."""
        uncertain = [p for p in rows if p.uncertain]
        recover: Recover | None = getattr(notifier, "recover", None)
        if uncertain and delivery.update_ref is None:
            if recover is not None:
                try:
                    found = await recover(delivery)
                except DeliveryFailed as exc:
                    await self._retry_later(rows, exc)
                    return
                arrived = [p for p in rows if p.id in found]
                if arrived:
                    log.info("case %s: %s had arrived before", delivery.case_id, delivery.kind)
                    await self._sent(arrived, found[arrived[0].id], coalesced=coalesced)
                rows = [p for p in rows if p.id not in found]
                if not rows:
                    return
                delivery = replace(delivery, page_ids=tuple(p.id for p in rows))
            else:
                delivery = replace(delivery, resend=True, view=sent_again(delivery.view))
        try:
            where = await notifier.deliver(delivery)
        except DeliveryFailed as exc:
            await self._retry_later(rows, exc)
            return
        except Exception as exc:  # a notifier bug must not stop other pages
            await self._retry_later(rows, DeliveryFailed(type(exc).__name__, uncertain=True))
            return
        await self._sent(rows, where, coalesced=coalesced)
        log.info("case %s: %s delivered via %s", delivery.case_id, delivery.kind, notifier.channel)

    async def _sent(
        self, rows: list[PageRecord], where: dict[str, Any] | None, *, coalesced: bool = False
    ) -> None:
        at = self.services.now()
        ref = {**(where or {}), "coalesced": True} if coalesced else where

        def settle(db: Database) -> None:
            for page in rows:
                pages.mark_sent(db, page.id, at=to_text(at), delivery_ref=ref)
                if page.kind in OFFICER_PAGES and not coalesced:
                    # Acknowledged while this page was on its way: it says who has it too.
                    escalation.acknowledge_late_page(db, page, at)

        await self.services.store.run(settle)

    async def _fail(self, page: PageRecord, kind: str) -> None:
        await self.services.store.run(lambda db: pages.mark_failed(db, page.id, error_kind=kind))

    async def _pace(self, batch: list[PageRecord]) -> bool:
        """Hold back a new page to someone paged too recently for their channel (Slack: one
        message a second per channel); return True if the batch was postponed."""
        first = batch[0]
        notifier = self.notifiers.get(first.channel)
        interval = getattr(notifier, "page_interval", None)
        if first.kind not in OFFICER_PAGES or not interval:
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

    async def _retry_later(self, rows: list[PageRecord], exc: DeliveryFailed) -> None:
        services = self.services
        if exc.permanent:

            def failed(db: Database) -> None:
                for page in rows:
                    pages.mark_failed(db, page.id, error_kind=exc.kind)

            await services.store.run(failed)
            log.warning("case %s: page failed permanently (%s)", rows[0].case_id, exc.kind)
            return
        esc = services.settings.escalation
        attempts = max(p.attempts for p in rows)
        backoff = min(esc.retry_backoff * (2 ** min(attempts, 16)), esc.retry_backoff_max)
        if exc.retry_after is not None:
            backoff = max(backoff, timedelta(seconds=exc.retry_after))
        when = to_text(services.now() + backoff)

        def later(db: Database) -> None:
            for page in rows:
                pages.mark_retry(
                    db, page.id, next_attempt_at=when, error_kind=exc.kind, uncertain=exc.uncertain
                )

        await services.store.run(later)
        log.warning("case %s: page not delivered (%s); retrying", rows[0].case_id, exc.kind)


def _coalesce(due: list[PageRecord]) -> tuple[list[PageRecord], list[list[PageRecord]]]:
    """Split due rows into single deliveries and, per officer and chat channel, one group
    of every officer page due now: one message names them all."""
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
        else:
            groups.append(rows)
    return singles, groups


def _update_ref(db: Database, page: PageRecord) -> dict[str, Any] | None:
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
    legal: LegalRecord | None = None,
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
    if page.kind == "deadline":
        return deadline_reminder(services, case, legal.process if legal else None, page.id)
    # card and refresh: the reporter's own view of the case
    reporter = Actor(case.channel, case.reporter_id)
    return case_card(services, case, steps, viewer_role=role_of(services.settings, reporter))
