"""Queueing deliveries in the outbox. Runs inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from bot.config import Contact, Settings
from storage import pages
from storage.records import CaseRecord
from storage.timefmt import to_text


def escalation_chain(settings: Settings, page_channels: frozenset[str]) -> list[str]:
    """Officers who can be paged by some enabled channel, in escalation order."""
    return [o.key for o in settings.officers if any(_channels_for(o, page_channels))]


def _channels_for(person: Contact, page_channels: frozenset[str]) -> tuple[list[str], list[str]]:
    chat, fallback = person.page_order(page_channels)
    if "console" in page_channels and not chat:
        chat = ["console"]
    return chat, fallback


def _queue_person(
    db: Database,
    *,
    case_id: str,
    key: str,
    person: Contact,
    kind: str,
    tag: str,
    page_channels: frozenset[str],
    due: datetime,
    fallback_after,
    round_: int = 0,
    position: int = 0,
) -> None:
    """Chat channels at once; each fallback later, sent only if nothing before it arrived."""
    chat, fallback = _channels_for(person, page_channels)
    lanes = [(c, due) for c in chat]
    start = 1 if chat else 0
    lanes += [(c, due + fallback_after * (start + i)) for i, c in enumerate(fallback)]
    for channel, when in lanes:
        pages.queue_page(
            db,
            case_id=case_id,
            dedup_key=f"{case_id}:{tag}:{channel}",
            kind=kind,
            recipient=key,
            channel=channel,
            due_at=to_text(when),
            round=round_,
            position=position,
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
    """Freeze the whole escalation into rows: each officer in turn, `repeats` times, then
    the notice telling the reporter whom to phone. Acknowledging cancels what remains."""
    timeout = settings.escalation.ack_timeout
    slot = 0
    for round_ in range(settings.escalation.repeats):
        for position, key in enumerate(chain):
            officer = settings.officer(key)
            if officer is None:
                continue
            _queue_person(
                db,
                case_id=case_id,
                key=key,
                person=officer,
                kind="page",
                tag=f"page:{round_}:{position}",
                page_channels=page_channels,
                due=now + timeout * slot,
                fallback_after=settings.escalation.fallback_after,
                round_=round_,
                position=position,
            )
            slot += 1
    pages.queue_page(
        db,
        case_id=case_id,
        dedup_key=f"{case_id}:exhausted",
        kind="exhausted",
        recipient="reporter",
        channel="reporter",
        due_at=to_text(now + timeout * slot),
    )


def queue_counsel(
    db: Database, *, settings: Settings, case_id: str, page_channels: frozenset[str], now: datetime
) -> None:
    counsel = settings.counsel
    if counsel is None:
        return
    _queue_person(
        db,
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
