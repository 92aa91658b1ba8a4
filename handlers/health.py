"""What /healthz reports: whether a report would be recorded, and whether anyone can be paged.

`reach` is the one rule for who can be paged on the channels that are on: /healthz uses it
with the Teams conversations stored so far, and `serve` uses it at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Container, Sequence
from dataclasses import dataclass

from handlers.audit import overdue_count
from handlers.services import Services
from handlers.settings import Contact
from storage import conversations, health, processes

log = logging.getLogger("patronguard.health")


@dataclass(frozen=True)
class Reach:
    """The people given, sorted by whether and how they can be paged now."""

    reachable: tuple[Contact, ...]
    # Those who should be paged but cannot be now, in the config's order.
    unreachable: tuple[Contact, ...]
    # Their ids and addresses are all for channels that are off: a config or environment fix.
    on_no_channel: tuple[Contact, ...]
    # Reachable only in Teams, which lets a bot write first only once they opened the app.
    not_yet_in_teams: tuple[Contact, ...]
    # No slack_id, teams_id, email or page_via: staff are told to phone them, nothing pages them.
    phone_only: tuple[Contact, ...]


def ways_to_page(
    person: Contact, channels: frozenset[str], teams_opened: Container[str] | None
) -> list[str]:
    """The channels `person` is paged on now, in order; the same order the escalation uses.

    `teams_opened`: Teams users who have opened the app; None when not yet known (at start-up).
    """
    chat, fallback = person.page_order(channels)
    if teams_opened is not None and "teams" in chat and person.teams_id not in teams_opened:
        chat.remove("teams")
    return chat + fallback


def names_a_channel(person: Contact) -> bool:
    """Whether the config gives any way to page this person, on or off."""
    return bool(person.slack_id or person.teams_id or person.email or person.page_via)


def reach(
    people: Sequence[Contact], channels: frozenset[str], teams_opened: Container[str] | None
) -> Reach:
    found: dict[str, list[Contact]] = {"ok": [], "off": [], "teams": [], "phone": [], "not": []}
    for person in people:
        if ways_to_page(person, channels, teams_opened):
            found["ok"].append(person)
            continue
        if not names_a_channel(person):
            found["phone"].append(person)
            continue
        # With Teams counted as opened they could be paged: only opening the app is missing.
        found["teams" if ways_to_page(person, channels, None) else "off"].append(person)
        found["not"].append(person)
    return Reach(
        reachable=tuple(found["ok"]),
        unreachable=tuple(found["not"]),
        on_no_channel=tuple(found["off"]),
        not_yet_in_teams=tuple(found["teams"]),
        phone_only=tuple(found["phone"]),
    )


async def officers_reach(services: Services, channels: frozenset[str]) -> Reach:
    """`reach` for the configured officers, with the Teams conversations stored so far."""
    opened = await services.store.run(conversations.users_with_reference)
    return reach(services.settings.officers, channels, opened)


@dataclass(frozen=True)
class Health:
    database_writable: bool
    overdue_pages: int
    reachable_officers: int
    unreachable_officers: tuple[str, ...]  # names, for IT; never anyone's ids
    phone_only_officers: tuple[str, ...] = ()  # nothing pages them; not a fault in itself
    missed_deadlines: tuple[str, ...] = ()  # case ids: a response date passed, none recorded

    @property
    def ok(self) -> bool:
        return (
            self.database_writable
            and self.overdue_pages == 0
            and self.reachable_officers > 0
            and not self.unreachable_officers
        )


async def check_health(services: Services, *, channels: frozenset[str]) -> Health:
    """Probe with a real write, count overdue pages, and find who can be paged now."""
    writable = True
    overdue = 0
    missed: list[str] = []
    opened: set[str] = set()
    try:
        at = services.now_text()
        await services.store.run(lambda db: health.probe_write(db, at=at))
        overdue = await overdue_count(services)
        today = services.now().astimezone(services.settings.library.zone).date().isoformat()
        missed = await services.store.run(lambda db: processes.missed_deadlines(db, today))
        opened = await services.store.run(conversations.users_with_reference)
    except Exception as exc:
        writable = False
        log.error("health: database not writable (%s)", type(exc).__name__)
    found = reach(services.settings.officers, channels, opened)
    return Health(
        writable,
        overdue,
        len(found.reachable),
        tuple(o.name for o in found.unreachable),
        tuple(o.name for o in found.phone_only),
        tuple(missed),
    )
