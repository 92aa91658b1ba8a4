"""What /healthz reports: whether a report would be recorded, and whether anyone can be paged."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from handlers.audit import overdue_count
from handlers.services import Services
from storage import conversations, health, processes

log = logging.getLogger("patronguard.health")
FALLBACK_CHANNELS = frozenset({"email", "webhook"})


@dataclass(frozen=True)
class Health:
    database_writable: bool
    overdue_pages: int
    reachable_officers: int
    unreachable_officers: tuple[str, ...]  # names, for IT; never anyone's ids
    missed_deadlines: tuple[str, ...] = ()  # case ids: a response date passed, none recorded

    @property
    def ok(self) -> bool:
        return self.database_writable and self.overdue_pages == 0 and self.reachable_officers > 0


async def check_health(services: Services, *, channels: frozenset[str]) -> Health:
    """Probe with a real write, count overdue pages, and find who can be paged now."""
    writable = True
    overdue = 0
    missed: list[str] = []
    teams_reached: set[str] = set()
    try:
        at = services.now_text()
        await services.store.run(lambda db: health.probe_write(db, at=at))
        overdue = await overdue_count(services)
        today = services.now().astimezone(services.settings.library.zone).date().isoformat()
        missed = await services.store.run(lambda db: processes.missed_deadlines(db, today))
        teams_reached = await services.store.run(conversations.users_with_reference)
    except Exception as exc:
        writable = False
        log.error("health: database not writable (%s)", type(exc).__name__)
    reachable: list[str] = []
    unreachable: list[str] = []
    for officer in services.settings.officers:
        ways = [c for c in officer.chat_channels if c in channels]
        if "teams" in ways and officer.teams_id not in teams_reached:
            ways.remove("teams")  # Teams lets a bot write first only once they opened it
        ways += [c for c in FALLBACK_CHANNELS if c in channels and officer.address_on(c)]
        (reachable if ways else unreachable).append(officer.name)
    return Health(writable, overdue, len(reachable), tuple(unreachable), tuple(missed))
