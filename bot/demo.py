"""`patronguard demo`: the whole job in a terminal, on the sample library, as a drill."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import click

from bot.config import Settings
from bot.console import ConsoleNotifier, echo_view
from bot.runtime import build_services
from handlers import views as v
from handlers.acknowledge import acknowledge_page
from handlers.actors import Actor
from handlers.cases import IntakeDetails, close_case, report_inquiry, submit_intake
from handlers.clock import FakeClock
from handlers.pager import Delivery, Pager
from handlers.services import Services
from handlers.steps import mark_step
from playbooks.engine import DONE, NOT_APPLICABLE, applicable_steps
from storage import cases, demands, pages

SCENARIOS = {
    "verbal": IntakeDetails("nothing", "police", True, "circulation", "City Police"),
    "subpoena": IntakeDetails("subpoena", "lawyer", False, "computer_use", "County Court"),
    "warrant": IntakeDetails("search_warrant", "federal_agent", True, "internet", "FBI"),
    "gagged": IntakeDetails("gagged_order", "federal_agent", True, "circulation", ""),
    "emergency": IntakeDetails("emergency", "police", True, "registration", "State Police"),
    "threat": IntakeDetails("threat", "patron", True, "circulation", ""),
}
STAFF = Actor("console", "front-desk")


@dataclass
class DemoRun:
    services: Services
    pager: Pager
    clock: FakeClock
    notifier: ConsoleNotifier
    failures: list[str] = field(default_factory=list)

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            self.failures.append(what)
            click.secho(f"FAILED: {what}", fg="red", bold=True)


def run_demo(settings: Settings, db_path: Path, scenario: str | None) -> list[str]:
    """Run one scenario unattended, or ask the user at each turn; return what failed."""
    return asyncio.run(_run(settings, db_path, scenario))


async def _run(settings: Settings, db_path: Path, scenario: str | None) -> list[str]:
    clock = FakeClock()
    services = build_services(settings, db_path, clock=clock)
    officers = {o.key: o for o in settings.officers}

    def recipient(delivery: Delivery) -> str:
        if delivery.address in officers:
            person = officers[delivery.address]
            return f"{person.name} ({person.role or 'officer'})"
        if settings.counsel and delivery.kind == "counsel":
            return f"{settings.counsel.name} (counsel)"
        return "you, the staff member who reported it"

    notifier = ConsoleNotifier(recipient)
    pager = Pager(services, {"console": notifier})
    run = DemoRun(services, pager, clock, notifier)
    try:
        await _play(run, scenario)
    finally:
        services.store.close()
    return run.failures


async def _play(run: DemoRun, scenario: str | None) -> None:
    services, settings = run.services, run.services.settings
    interactive = scenario is None
    click.secho(f"PatronGuard demo: {settings.library.name} (a drill)", bold=True)
    click.echo("You are at the circulation desk. Someone asks for a library user's records.\n")
    if interactive:
        click.prompt("Press Enter to report it to PatronGuard", default="", show_default=False)

    reply = await report_inquiry(services, STAFF, drill=True)
    case_id = reply.case_id
    echo_view(reply.view, heading="PatronGuard answers at once:")
    await run.pager.run_once()
    first, second = await reply_chain(services, case_id)
    run.expect(_delivered_to(run, first, "page"), "the first officer was paged at once")

    details = _choose_details(services) if interactive else SCENARIOS[scenario]
    intake = await submit_intake(services, STAFF, case_id, details)
    run.expect(not intake.refused, "the intake form was accepted")
    echo_view(intake.view, heading="After the intake form:")
    await run.pager.run_once()

    timeout = settings.escalation.ack_timeout
    click.secho(
        f"... {int(timeout.total_seconds() // 60) or 1} minutes pass; nobody acknowledges.",
        fg="yellow",
    )
    if interactive:
        click.prompt("Press Enter to let the time pass", default="", show_default=False)
    run.clock.advance(timeout)
    await run.pager.run_once()
    if second:
        run.expect(_delivered_to(run, second, "page"), "escalated to the next officer")
        acker = Actor("console", second)
    else:
        acker = Actor("console", first)
    ack = await acknowledge_page(services, acker, case_id)
    echo_view(ack.view, heading=f"{_name(services, acker.user_id)} acknowledges:")
    await run.pager.run_once()
    leftover = await services.store.run(
        lambda db: [
            p
            for p in pages.pages_for_case(db, case_id)
            if p.kind == "page" and p.status == "queued"
        ]
    )
    run.expect(not leftover, "acknowledging stopped the escalation")

    await _walk_steps(run, case_id, acker, interactive)
    outcome = (
        "released_as_designated"
        if details.presented in ("subpoena", "search_warrant", "court_order")
        else "nothing_released"
    )
    closed = await close_case(services, acker, case_id, outcome)
    run.expect(not closed.refused, "the case closed once its steps were finished")
    echo_view(closed.view, heading="The officer closes the case:")
    await run.pager.run_once()
    await _summarise(run, case_id, details)


async def _walk_steps(run: DemoRun, case_id: str, officer: Actor, interactive: bool) -> None:
    services = run.services
    case = await services.store.run(lambda db: cases.get_case(db, case_id))
    for item in applicable_steps(services.playbook, case.presented):
        step = item.step
        if step.actor != "staff":
            tried = await mark_step(services, STAFF, case_id, step.id, state=DONE)
            run.expect(tried.refused, f"staff were refused officer step {step.number}")
            if step.number == 2:
                echo_view(tried.view, heading=f"Staff try to mark step {step.number}:")
        who = STAFF if step.actor == "staff" else officer
        if interactive:
            click.echo(f"Step {step.number}. {step.title}\n  {item.wording}")
            state = DONE if click.confirm("  Mark it done?", default=True) else NOT_APPLICABLE
        else:  # unattended: the catch-all step 6 has nothing to do in a scripted run
            state = DONE if step.required_to_close else NOT_APPLICABLE
        reply = await mark_step(services, who, case_id, step.id, state=state)
        run.expect(not reply.refused, f"step {step.number} was recorded")
    await run.pager.run_once()


async def _summarise(run: DemoRun, case_id: str, details: IntakeDetails) -> None:
    services = run.services
    presentation = services.playbook.presentations[details.presented]
    case, logged = await services.store.run(
        lambda db: (cases.get_case(db, case_id), demands.demands_between(db, "0", "9", drills=True))
    )
    run.expect(case.status == "closed", "the case is closed")
    run.expect(bool(logged) == presentation.unauthorized, "unauthorized demands are logged")
    run.expect(bool(case.legal_hold) == presentation.legal_process, "legal process puts a hold")
    run.expect(bool(case.restricted) == presentation.restricted, "gag orders restrict the case")
    lines = [f"Case {case_id}: {presentation.label}."]
    if logged:
        lines.append("Logged as an unauthorized demand (date, kinds and outcome; never a person).")
    if case.legal_hold:
        lines.append("On legal hold: it will not be purged until an officer releases the hold.")
    else:
        lines.append(
            "Its details will be purged on schedule (drills after "
            f"{services.settings.retention.drills})."
        )
    if case.restricted:
        lines.append("Restricted: only officers and counsel saw its details.")
    echo_view(v.View(title="Summary", lines=tuple(lines), tone=v.SUCCESS))


async def reply_chain(services: Services, case_id: str) -> tuple[str, str | None]:
    case = await services.store.run(lambda db: cases.get_case(db, case_id))
    chain = case.officer_chain
    return chain[0], (chain[1] if len(chain) > 1 else None)


def _delivered_to(run: DemoRun, officer_key: str, kind: str) -> bool:
    return any(d.address == officer_key and d.kind == kind for d in run.notifier.delivered)


def _name(services: Services, key: str) -> str:
    officer = services.settings.officer(key)
    return officer.name if officer else key


def _choose_details(services: Services) -> IntakeDetails:
    pb = services.playbook
    presented = _pick("What did they present?", pb.presentations, lambda p: p.label)
    kind = _pick("Who is asking?", pb.requester_kinds, str)
    category = _pick("What kind of record do they want?", pb.record_categories, str)
    waiting = click.confirm("Is the requester waiting now?", default=True)
    agency = click.prompt("Agency (optional, no personal details)", default="", show_default=False)
    return IntakeDetails(presented, kind, waiting, category, agency)


def _pick(question: str, options: dict, label) -> str:
    keys = list(options)
    click.echo(question)
    for index, key in enumerate(keys, 1):
        click.echo(f"  {index}. {label(options[key])}")
    number = click.prompt("Number", type=click.IntRange(1, len(keys)), default=1)
    return keys[number - 1]
