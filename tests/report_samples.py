"""A year of cases and drills made through the handlers on a fake clock, for report tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import load_settings
from bot.runtime import build_services
from handlers.acknowledge import acknowledge_page
from handlers.actors import Actor
from handlers.cases import report_inquiry
from handlers.clock import FakeClock
from handlers.closing import close_case
from handlers.intake import IntakeDetails, submit_intake
from handlers.pager import Delivery, Pager
from handlers.services import Services
from handlers.steps import mark_step
from playbooks.engine import applicable_steps

STAFF = Actor("console", "front-desk")
START = datetime(2026, 1, 6, 15, 0, tzinfo=UTC)

# Per month: (presented, who asked, outcome); none are restricted, so all are counted.
YEAR: list[list[tuple[str, str, str]]] = [
    [("nothing", "police", "nothing_released")],
    [("subpoena", "lawyer", "released_as_designated"), ("nothing", "parent", "withdrawn")],
    [],
    [("search_warrant", "federal_agent", "released_as_designated")],
    [("nothing", "police", "nothing_released")] * 3 + [("threat", "patron", "other")],
    [("court_order", "lawyer", "defects_not_cured")],
    [("subpoena", "lawyer", "released_as_designated")] * 2,
    [],
    [("emergency", "police", "nothing_released"), ("nothing", "press", "withdrawn")],
    [("nothing", "employer", "nothing_released")],
    [("subpoena", "lawyer", "referred_elsewhere"), ("not_sure", "unknown", "other")],
    [("nothing", "police", "nothing_released")] * 2,
]


class SilentNotifier:
    """Delivers every page at once and keeps nothing."""

    channel = "console"

    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        return {}


def move_to(clock: FakeClock, when: datetime) -> None:
    assert when >= clock.now(), "the fake clock only moves forward"
    clock.advance(when - clock.now())


def open_services(config: Path, db: Path, clock: FakeClock) -> Services:
    return build_services(load_settings(config), db, clock=clock)


async def a_year_of_cases(services: Services, clock: FakeClock) -> int:
    """Report, intake, acknowledge, walk the steps and close each case; return how many."""
    pager = Pager(services, {"console": SilentNotifier()})
    officer = Actor("console", services.settings.officers[0].key)
    made = 0
    for month, cases in enumerate(YEAR):
        move_to(clock, START.replace(month=month + 1))
        for presented, kind, outcome in cases:
            case_id = (await report_inquiry(services, STAFF)).case_id
            agency = {"police": "City Police", "federal_agent": "FBI"}.get(kind, "")
            details = IntakeDetails(presented, kind, True, "circulation", agency)
            await submit_intake(services, STAFF, case_id, details)
            await pager.run_once()
            clock.advance(timedelta(minutes=3))
            await acknowledge_page(services, officer, case_id)
            for step in applicable_steps(services.playbook, presented):
                await mark_step(services, officer, case_id, step.step.id, state="done")
            closed = await close_case(services, officer, case_id, outcome)
            assert not closed.refused, closed.view
            clock.advance(timedelta(days=2))
            made += 1
    return made


async def three_drills(services: Services, clock: FakeClock) -> None:
    """One answered at once, one after an escalation, one nobody answered."""
    pager = Pager(services, {"console": SilentNotifier()})
    first, second = (Actor("console", o.key) for o in services.settings.officers[:2])
    move_to(clock, START.replace(month=12, day=14))
    quick = (await report_inquiry(services, STAFF, drill=True)).case_id
    await submit_intake(services, STAFF, quick, IntakeDetails("subpoena", "lawyer", True))
    await pager.run_once()
    clock.advance(timedelta(seconds=95))
    await acknowledge_page(services, first, quick)
    await mark_step(services, STAFF, quick, "refer", state="done")
    clock.advance(timedelta(days=7))
    slow = (await report_inquiry(services, STAFF, drill=True)).case_id
    await submit_intake(services, STAFF, slow, IntakeDetails("nothing", "police", True))
    await pager.run_once()
    clock.advance(services.settings.escalation.ack_timeout)
    await pager.run_once()
    clock.advance(timedelta(seconds=140))
    await acknowledge_page(services, second, slow)
    clock.advance(timedelta(days=7))
    await report_inquiry(services, STAFF, drill=True)
    await pager.run_once()
