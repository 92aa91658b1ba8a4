"""Queueing deliveries in the outbox. Runs inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from handlers.settings import Contact, Settings
from storage import pages
from storage.records import CaseRecord, PageKind
from storage.timefmt import from_text, to_text


def escalation_chain(settings: Settings, page_channels: frozenset[str]) -> list[str]:
    """Officers who can be paged by some enabled channel, in escalation order."""
    return [o.key for o in settings.officers if any(_channels_for(o, page_channels))]


def _channels_for(person: Contact, page_channels: frozenset[str]) -> tuple[list[str], list[str]]:
    chat, fallback = person.page_order(page_channels)
    if "console" in page_channels and not chat:
        chat = ["console"]
    return chat, fallback


@dataclass(frozen=True)
class PlannedPage:
    """One row of a frozen escalation: who, on which channel, when."""

    dedup_key: str
    kind: PageKind
    recipient: str
    channel: str
    due: datetime
    round: int = 0
    position: int = 0


def _person_lanes(
    *,
    case_id: str,
    key: str,
    person: Contact,
    kind: PageKind,
    tag: str,
    page_channels: frozenset[str],
    due: datetime,
    fallback_after: timedelta,
    round_: int = 0,
    position: int = 0,
) -> list[PlannedPage]:
    """Chat channels at once; each fallback later, sent only if nothing before it arrived."""
    chat, fallback = _channels_for(person, page_channels)
    lanes = [(c, due) for c in chat]
    start = 1 if chat else 0
    lanes += [(c, due + fallback_after * (start + i)) for i, c in enumerate(fallback)]
    return [
        PlannedPage(f"{case_id}:{tag}:{channel}", kind, key, channel, when, round_, position)
        for channel, when in lanes
    ]


def escalation_plan(
    settings: Settings,
    *,
    case_id: str,
    chain: list[str],
    page_channels: frozenset[str],
    start: datetime,
    timeout: timedelta,
) -> list[PlannedPage]:
    """The whole escalation: each officer in turn, `repeats` times, `timeout` apart, then the
    notice telling the reporter whom to phone."""
    plan: list[PlannedPage] = []
    slot = 0
    for round_ in range(settings.escalation.repeats):
        for position, key in enumerate(chain):
            officer = settings.officer(key)
            if officer is None:
                continue
            plan += _person_lanes(
                case_id=case_id,
                key=key,
                person=officer,
                kind="page",
                tag=f"page:{round_}:{position}",
                page_channels=page_channels,
                due=start + timeout * slot,
                fallback_after=settings.escalation.fallback_after,
                round_=round_,
                position=position,
            )
            slot += 1
    plan.append(
        PlannedPage(
            f"{case_id}:exhausted", "exhausted", "reporter", "reporter", start + timeout * slot
        )
    )
    return plan


def _queue(db: Database, case_id: str, planned: list[PlannedPage]) -> None:
    for page in planned:
        pages.queue_page(
            db,
            case_id=case_id,
            dedup_key=page.dedup_key,
            kind=page.kind,
            recipient=page.recipient,
            channel=page.channel,
            due_at=to_text(page.due),
            round=page.round,
            position=page.position,
        )


def queue_escalation(
    db: Database,
    *,
    settings: Settings,
    case_id: str,
    chain: list[str],
    page_channels: frozenset[str],
    now: datetime,
) -> None:
    """Freeze the whole escalation into rows. Acknowledging cancels what remains."""
    plan = escalation_plan(
        settings,
        case_id=case_id,
        chain=chain,
        page_channels=page_channels,
        start=now,
        timeout=settings.escalation.ack_timeout,
    )
    _queue(db, case_id, plan)


def hasten_escalation(
    db: Database,
    *,
    settings: Settings,
    case: CaseRecord,
    page_channels: frozenset[str],
    now: datetime,
) -> None:
    """An urgent case moves to each next officer after `urgent_ack_timeout`, counted from
    when it was reported; rows only ever move earlier, and never into the past."""
    plan = escalation_plan(
        settings,
        case_id=case.id,
        chain=case.officer_chain,
        page_channels=page_channels,
        start=from_text(case.opened_at),
        timeout=settings.escalation.urgent_ack_timeout,
    )
    sooner = {page.dedup_key: to_text(max(page.due, now)) for page in plan}
    pages.bring_forward(db, case.id, sooner)


def queue_counsel(
    db: Database, *, settings: Settings, case_id: str, page_channels: frozenset[str], now: datetime
) -> None:
    counsel = settings.counsel
    if counsel is None:
        return
    lanes = _person_lanes(
        case_id=case_id,
        key="counsel",
        person=counsel,
        kind="counsel",
        tag="counsel",
        page_channels=page_channels,
        due=now,
        fallback_after=settings.escalation.fallback_after,
        position=-1,
    )
    _queue(db, case_id, lanes)


def queue_change_notice(
    db: Database,
    *,
    settings: Settings,
    case: CaseRecord,
    person: Contact,
    page_channels: frozenset[str],
    now: datetime,
) -> None:
    """Tell the officer who has the case that the reporter changed its details."""
    key = "counsel" if person is settings.counsel else person.key
    lanes = _person_lanes(
        case_id=case.id,
        key=key,
        person=person,
        kind="changed",
        tag=f"changed:{to_text(now)}",
        page_channels=page_channels,
        due=now,
        fallback_after=settings.escalation.fallback_after,
        position=-2,
    )
    _queue(db, case.id, lanes)


def queue_reporter_card(db: Database, case: CaseRecord, now: datetime) -> None:
    """Post the case card to the reporter once, or refresh it where it already is."""
    existing = pages.latest_sent(db, case.id, "card", "reporter")
    if existing is None:
        pages.queue_page(
            db,
            case_id=case.id,
            dedup_key=f"{case.id}:card",
            kind="card",
            recipient="reporter",
            channel="reporter",
            due_at=to_text(now),
        )
        return
    stamp = to_text(now)
    pages.queue_page(
        db,
        case_id=case.id,
        dedup_key=f"{case.id}:refresh:{stamp}",
        kind="refresh",
        recipient="reporter",
        channel="reporter",
        due_at=stamp,
        update_of=existing.id,
    )


def queue_acknowledgement(db: Database, case: CaseRecord, now: datetime) -> None:
    """Tell the reporter, and turn every page already delivered into 'acknowledged by'."""
    stamp = to_text(now)
    pages.queue_page(
        db,
        case_id=case.id,
        dedup_key=f"{case.id}:acknowledged",
        kind="acknowledged",
        recipient="reporter",
        channel="reporter",
        due_at=stamp,
    )
    for page in pages.pages_for_case(db, case.id):
        if page.kind in ("page", "counsel") and page.status == "sent":
            pages.queue_page(
                db,
                case_id=case.id,
                dedup_key=f"{case.id}:ack_update:{page.id}",
                kind="ack_update",
                recipient=page.recipient,
                channel=page.channel,
                due_at=stamp,
                update_of=page.id,
            )
