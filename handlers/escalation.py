"""Queueing deliveries in the outbox. Runs inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from handlers.actors import person_for_ref as actor_person
from handlers.settings import Contact, Settings
from storage import cases, escalations, pages
from storage.records import CaseRecord, PageKind, PageRecord
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


def escalation_turns(
    settings: Settings, *, chain: list[str], page_channels: frozenset[str]
) -> list[dict[str, Any]]:
    """The frozen chain: each officer in turn, `repeats` times; per turn, the channels to
    page on and how long after the turn starts (chat at once, each fallback later)."""
    turns: list[dict[str, Any]] = []
    fallback_after = settings.escalation.fallback_after.total_seconds()
    for round_ in range(settings.escalation.repeats):
        for position, key in enumerate(chain):
            officer = settings.officer(key)
            if officer is None:
                continue
            chat, fallback = _channels_for(officer, page_channels)
            first = 1 if chat else 0
            lanes = [[c, 0.0] for c in chat]
            lanes += [[c, fallback_after * (first + i)] for i, c in enumerate(fallback)]
            turns.append({"to": key, "round": round_, "position": position, "lanes": lanes})
    return turns


def _turn_start(started: datetime, timeout_s: float, turn: int) -> datetime:
    return started + timedelta(seconds=timeout_s * turn)


def _queue_turn(
    db: Database, case_id: str, turns: list[dict[str, Any]], turn: int, at: datetime
) -> None:
    """Write one turn's pages to the outbox (or, after the last, the notice to the reporter)."""
    if turn >= len(turns):
        pages.queue_page(
            db,
            case_id=case_id,
            dedup_key=f"{case_id}:exhausted",
            kind="exhausted",
            recipient="reporter",
            channel="reporter",
            due_at=to_text(at),
        )
        return
    step = turns[turn]
    for channel, offset in step["lanes"]:
        pages.queue_page(
            db,
            case_id=case_id,
            dedup_key=f"{case_id}:page:{step['round']}:{step['position']}:{channel}",
            kind="page",
            recipient=step["to"],
            channel=channel,
            due_at=to_text(at + timedelta(seconds=offset)),
            round=step["round"],
            position=step["position"],
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
    """Freeze the chain into one row and queue its first turn now, in the caller's
    transaction: a report acknowledged to staff always has its first page on the way."""
    turns = escalation_turns(settings, chain=chain, page_channels=page_channels)
    timeout_s = settings.escalation.ack_timeout.total_seconds()
    _queue_turn(db, case_id, turns, 0, now)
    escalations.start(
        db,
        case_id=case_id,
        plan=turns,
        started_at=to_text(now),
        timeout_s=timeout_s,
        next_turn=1,
        next_due_at=to_text(_turn_start(now, timeout_s, 1)),
    )


def queue_due_turns(db: Database, now: datetime) -> int:
    """Queue every escalation turn that has come due (several at once if the pager was
    stopped); return how many turns were queued."""
    queued = 0
    for esc in escalations.due(db, to_text(now)):
        started = from_text(esc.started_at)
        turn = esc.next_turn
        while turn <= len(esc.plan) and _turn_start(started, esc.timeout_s, turn) <= now:
            _queue_turn(db, esc.case_id, esc.plan, turn, _turn_start(started, esc.timeout_s, turn))
            turn += 1
            queued += 1
        due = _turn_start(started, esc.timeout_s, turn) if turn <= len(esc.plan) else None
        escalations.advance(
            db, esc.case_id, next_turn=turn, next_due_at=to_text(due) if due else None
        )
    return queued


def hasten_escalation(db: Database, *, settings: Settings, case: CaseRecord, now: datetime) -> None:
    """An urgent case moves to each next officer after `urgent_ack_timeout`, counted from
    when it was reported; never later than before, and never into the past."""
    esc = escalations.get(db, case.id)
    urgent = settings.escalation.urgent_ack_timeout.total_seconds()
    if esc is None or esc.next_due_at is None or esc.timeout_s <= urgent:
        return
    due = max(_turn_start(from_text(esc.started_at), urgent, esc.next_turn), now)
    escalations.retime(db, case.id, timeout_s=urgent, next_due_at=to_text(due))


def stop_escalation(db: Database, case_id: str) -> None:
    """Acknowledged or closed: no further turn, and nothing still waiting is sent."""
    escalations.stop(db, case_id)
    pages.cancel_escalation(db, case_id)


def _key_of(settings: Settings, person: Contact) -> str:
    """Counsel is addressed as "counsel" in the outbox; an officer by their key."""
    return "counsel" if person is settings.counsel else person.key


def _queue_to(
    db: Database,
    settings: Settings,
    case_id: str,
    person: Contact,
    kind: PageKind,
    tag: str,
    page_channels: frozenset[str],
    due: datetime,
    position: int,
) -> None:
    """One message to one person outside the escalation: chat first, fallbacks later."""
    lanes = _person_lanes(
        case_id=case_id,
        key=_key_of(settings, person),
        person=person,
        kind=kind,
        tag=tag,
        page_channels=page_channels,
        due=due,
        fallback_after=settings.escalation.fallback_after,
        position=position,
    )
    _queue(db, case_id, lanes)


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


def queue_counsel(
    db: Database, *, settings: Settings, case_id: str, page_channels: frozenset[str], now: datetime
) -> None:
    counsel = settings.counsel
    if counsel is None:
        return
    _queue_to(db, settings, case_id, counsel, "counsel", "counsel", page_channels, now, -1)


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
    tag = f"changed:{to_text(now)}"
    _queue_to(db, settings, case.id, person, "changed", tag, page_channels, now, -2)


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


def acknowledge_late_page(db: Database, page: PageRecord, at: datetime) -> None:
    """A page that arrived after its case was acknowledged is edited to say who has it."""
    case = cases.get_case(db, page.case_id)
    if case is None or not case.acknowledged_at:
        return
    pages.queue_page(
        db,
        case_id=case.id,
        dedup_key=f"{case.id}:ack_update:{page.id}",
        kind="ack_update",
        recipient=page.recipient,
        channel=page.channel,
        due_at=to_text(at),
        update_of=page.id,
    )


def queue_reminder(
    db: Database,
    *,
    settings: Settings,
    case: CaseRecord,
    page_channels: frozenset[str],
    tag: str,
    at: datetime,
) -> None:
    """A deadline reminder to the officer who has the case (else the first in the chain)
    and to counsel, through the same outbox as pages."""
    for person in (_holder(settings, case), settings.counsel):
        if person is not None:
            key = _key_of(settings, person)
            what = f"deadline:{tag}:{key}"
            _queue_to(db, settings, case.id, person, "deadline", what, page_channels, at, -3)


def cancel_reminders(db: Database, case_id: str) -> None:
    pages.cancel_kind(db, case_id, "deadline")


def _holder(settings: Settings, case: CaseRecord) -> Contact | None:
    if case.acknowledged_by:
        found = actor_person(settings, case.acknowledged_by)
        if found is not None and found is not settings.counsel:
            return found
    chain = case.officer_chain
    return (
        settings.officer(chain[0])
        if chain
        else (settings.officers[0] if settings.officers else None)
    )
