"""Typed rows, so callers never see column names."""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass, fields
from typing import Any, Literal

# What a row of the outbox delivers: a page to an officer or counsel, a notice or card for the
# reporter, or an edit of one already sent.
PageKind = Literal[
    "page",
    "counsel",
    "exhausted",
    "acknowledged",
    "ack_update",
    "card",
    "refresh",
    "changed",
    "deadline",
]
# A procedure step's state as stored.
StepState = Literal["pending", "done", "not_applicable"]
# Case events about preserving records after an informal request, which the board counts.
PreservationEvent = Literal["preserved", "preservation_extended", "preservation_lapsed"]
PRESERVATION_EVENTS: tuple[PreservationEvent, ...] = typing.get_args(PreservationEvent)
# The same list as SQL, for statements that count them.
PRESERVATION_EVENTS_SQL = "(" + ", ".join(f"'{kind}'" for kind in PRESERVATION_EVENTS) + ")"


def deadline_sql(today: str) -> str:
    """A process's response date as the board reads it (SQL over `processes p`): met when the
    response went out on or before it, open while it has not passed, else missed; '' when
    there is none. `today` is an SQL expression for the library's date."""
    return (
        "CASE WHEN p.due_on IS NULL THEN '' "
        "WHEN p.responded_on IS NOT NULL AND p.responded_on <= p.due_on THEN 'met' "
        f"WHEN p.responded_on IS NULL AND p.due_on >= {today} THEN 'open' ELSE 'missed' END"
    )


def _from_row(cls, row: dict[str, Any]):
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in row.items() if k in names})


@dataclass(frozen=True)
class CaseRecord:
    id: str
    opened_at: str
    drill: int
    channel: str
    reporter_id: str
    reporter_ref: str | None
    status: str
    presented: str
    requester_kind: str | None
    record_category: str | None
    waiting_now: int | None
    agency: str | None
    restricted: int
    legal_hold: int
    hold_released_at: str | None
    hold_released_by: str | None
    intake_at: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    closed_at: str | None
    closed_by: str | None
    outcome: str | None
    purge_after: str | None
    chain: str
    summary: str | None = None
    received_via: str | None = None
    signed_by: str | None = None
    hold_until: str | None = None  # a preservation hold ends then, unless counsel extends it

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CaseRecord:
        return _from_row(cls, row)

    @property
    def officer_chain(self) -> list[str]:
        return json.loads(self.chain)

    @property
    def reporter_location(self) -> dict[str, Any]:
        return json.loads(self.reporter_ref) if self.reporter_ref else {}

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def on_hold(self) -> bool:
        return bool(self.legal_hold) and self.hold_released_at is None


@dataclass(frozen=True)
class PageRecord:
    id: int
    case_id: str
    dedup_key: str
    kind: PageKind
    recipient: str
    channel: str
    round: int
    position: int
    due_at: str
    status: str
    attempts: int
    next_attempt_at: str
    sent_at: str | None
    delivery_ref: str | None
    last_error: str | None
    update_of: int | None
    uncertain: int = 0  # the channel may already have it: ask before sending again
    claimed_at: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PageRecord:
        return _from_row(cls, row)

    @property
    def delivered_to(self) -> dict[str, Any]:
        return json.loads(self.delivery_ref) if self.delivery_ref else {}


@dataclass(frozen=True)
class IntakeChange:
    """One field a later intake changed: choices by their keys, free text by name only."""

    at: str
    field: str
    old: str | None
    new: str | None
    by_user: str | None

    @classmethod
    def from_event(cls, at: str, code: str, by_user: str | None) -> IntakeChange:
        field, _, values = code.partition(":")
        old, sep, new = values.partition(">")
        if not sep:
            return cls(at, field, None, None, by_user)
        return cls(at, field, old or None, new or None, by_user)


@dataclass(frozen=True)
class StepRecord:
    step_id: str
    state: StepState
    by_user: str | None
    at: str
