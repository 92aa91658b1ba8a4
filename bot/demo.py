"""`patronguard demo`: the whole job in a terminal, on the sample library, as a drill.

Prompts run between event-loop turns, never inside one, so a single Ctrl-C stops the demo.
Every check looks only at the case this run opened, so a database used before is fine.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.config import Settings
from bot.console import duration_in_words, echo_view
from bot.runtime import build_services
from bot.scenarios import SCENARIOS as SCENARIO_DATA
from handlers import views as v
from handlers.acknowledge import acknowledge_page
from handlers.actors import Actor
from handlers.cases import report_inquiry
from handlers.clock import FakeClock
from handlers.closing import close_case
from handlers.intake import IntakeDetails, submit_intake
from handlers.pager import Delivery, Pager
from handlers.process import record_process, record_release, record_response
from handlers.services import Services
from handlers.steps import mark_step
from playbooks.engine import DONE, NOT_APPLICABLE, applicable_steps
from storage import cases, demands, pages
from storage.records import CaseRecord

T = TypeVar("T")


@dataclass(frozen=True)
class Scenario:
    details: IntakeDetails
    expect: str  # the presentation the case should end up with


SCENARIOS: dict[str, Scenario] = {
    name: Scenario(IntakeDetails(*details), expect)
    for name, (details, expect) in SCENARIO_DATA.items()
}
STAFF = Actor("console", "front-desk")
ACTORS = {"staff": "you", "officer": "the officer", "counsel": "counsel"}
# What each delivery is, in the words of the person who gets it.
DELIVERY_WORDS = {
    "page": "Page",
    "counsel": "Page",
    "ack_update": "Their page now says who has it",
    "acknowledged": "Message",
    "exhausted": "Message",
    "card": "Case card",
    "refresh": "Case card updated",
    "changed": "Message",
    "deadline": "Reminder",
}
# The record of legal process the officer fills in, for the scenarios that present some:
# what was served, by whom, and how many days the library has to respond.
PROCESS_RECORDS: dict[str, tuple[str, str, int]] = {
    "subpoena": ("judicial_subpoena", "state_court", 10),
    "admin_subpoena": ("administrative_subpoena", "federal_agency", 10),
    "search_warrant": ("judicial_warrant", "federal_court", 3),
    "admin_warrant": ("administrative_warrant", "immigration_agency", 3),
    "warrant_unsure": ("administrative_warrant", "other", 3),
    "court_order": ("court_order", "state_court", 14),
    "gagged_order": ("national_security_letter", "federal_agency", 10),
}


class DemoStopped(Exception):
    """The person pressed Ctrl-C (or closed input): stop at once."""


@dataclass
class DemoRun:
    services: Services
    pager: Pager
    clock: FakeClock
    notifier: DemoNotifier
    runner: asyncio.Runner
    interactive: bool
    failures: list[str] = field(default_factory=list)

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            self.failures.append(what)
            click.secho(f"FAILED: {what}", fg="red", bold=True)

    def run(self, call: Awaitable[T]) -> T:
        return self.runner.run(call)  # type: ignore[arg-type]

    def deliver(self) -> None:
        self.run(self.pager.run_once())


class DemoNotifier:
    """Plays the part of chat: one short line per message, saying who got what."""

    channel = "console"
    page_interval = timedelta(0)  # a terminal needs no pacing
    max_buttons = 25

    def __init__(self, describe_recipient: Callable[[Delivery], str]):
        self.describe_recipient = describe_recipient
        self.delivered: list[Delivery] = []

    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        self.delivered.append(delivery)
        what = DELIVERY_WORDS.get(delivery.kind, "Message")
        click.secho(
            f"  -> {what} to {self.describe_recipient(delivery)}: {delivery.view.title}",
            fg="cyan",
        )
        return {"message": len(self.delivered)}


def run_demo(settings: Settings, db_path: Path, scenario: str | None) -> list[str]:
    """Run one scenario unattended, or ask the person at each turn; return what failed.

    Raises DemoStopped when the person stops it.
    """
    clock = FakeClock()
    with asyncio.Runner() as runner:
        services = build_services(settings, db_path, clock=clock)
        try:
            notifier = DemoNotifier(_recipient_namer(settings))
            pager = Pager(services, {"console": notifier})
            run = DemoRun(services, pager, clock, notifier, runner, interactive=scenario is None)
            try:
                _play(run, SCENARIOS[scenario] if scenario else None)
            except (KeyboardInterrupt, click.Abort, EOFError):
                raise DemoStopped() from None
        finally:
            services.store.close()
    return run.failures


def _recipient_namer(settings: Settings) -> Callable[[Delivery], str]:
    officers = {o.key: o for o in settings.officers}

    def recipient(delivery: Delivery) -> str:
        if delivery.address in officers:
            person = officers[delivery.address]
            return f"{person.name} ({person.role or 'officer'})"
        if settings.counsel and delivery.address == settings.counsel.key:
            return f"{settings.counsel.name} (counsel)"
        return "you"

    return recipient


def _play(run: DemoRun, scenario: Scenario | None) -> None:
    services, settings = run.services, run.services.settings
    click.secho(f"PatronGuard demo: {settings.library.name} (a drill)", bold=True)
    click.echo("You are at the circulation desk. Someone asks for a library user's records.\n")
    if run.interactive:
        _pause("Press Enter to report it to PatronGuard")

    reply = run.run(report_inquiry(services, STAFF, drill=True))
    case_id = reply.case_id or ""
    echo_view(reply.view, heading="PatronGuard answers at once (before you say more):")
    run.deliver()
    chain = _case(run, case_id).officer_chain
    run.expect(_delivered_to(run, chain[0], "page"), "the first officer was paged at once")

    details = _ask_details(services) if scenario is None else scenario.details
    intake = run.run(submit_intake(services, STAFF, case_id, details))
    run.expect(not intake.refused, "the intake form was accepted")
    case = _case(run, case_id)
    if scenario is not None:
        run.expect(case.presented == scenario.expect, f"recorded as {scenario.expect}")
    presentation = services.playbook.presentation(case.presented)
    click.echo()
    echo_view(intake.view, heading=f"After the form ({presentation.label}):")
    run.deliver()
    if presentation.urgent and settings.counsel:
        run.expect(
            any(d.kind == "counsel" for d in run.notifier.delivered), "counsel was paged at once"
        )

    acker = _escalate(run, case, urgent=presentation.urgent)
    ack = run.run(acknowledge_page(services, acker, case_id))
    click.secho(f"\n{_name(services, acker.user_id)} acknowledges: {ack.view.title}", bold=True)
    run.deliver()
    leftover = run.run(
        services.store.run(
            lambda db: [
                p
                for p in pages.pages_for_case(db, case_id)
                if p.kind == "page" and p.status == "queued"
            ]
        )
    )
    run.expect(not leftover, "acknowledging stopped the escalation")

    released = False
    if case.presented in PROCESS_RECORDS:
        released = _record_process(run, case, acker)
    _walk_steps(run, case_id, acker)
    outcome = "released_as_designated" if released else "nothing_released"
    closed = run.run(close_case(services, acker, case_id, outcome))
    run.expect(not closed.refused, "the case closed once its steps were finished")
    click.secho(f"\nThe officer closes the case: {services.playbook.outcomes[outcome]}.", bold=True)
    run.deliver()
    _summarise(run, case_id)


def _record_process(run: DemoRun, case: CaseRecord, officer: Actor) -> bool:
    """The officer records what was served; a reminder comes before the response date; what
    was released is logged; the response is recorded. Returns whether anything was released."""
    services = run.services
    kind, authority, days = PROCESS_RECORDS[case.presented]
    today = services.now().astimezone(services.settings.library.zone).date()
    answers = {
        "kind": kind,
        "authority": authority,
        "received_on": today.isoformat(),
        "received_how": "served" if case.received_via == "served" else "in_person",
        "served_on": "front_desk",
        "due_on": (today + timedelta(days=days)).isoformat(),
        "copy_with_counsel": "yes",
    }
    recorded = run.run(record_process(services, officer, case.id, answers))
    run.expect(not recorded.refused, "the officer recorded the legal process")
    due = next((f.value for f in recorded.view.facts if f.label == "Response due"), "")
    click.secho(f"\nThe officer records the process. Response due: {due}.", bold=True)
    # Until the first reminder before the response date (on a warrant's short date, the day
    # itself may be the first).
    before = len(run.notifier.delivered)
    for _ in range(days + 1):
        run.clock.advance(timedelta(days=1))
        run.deliver()
        if any(d.kind == "deadline" for d in run.notifier.delivered[before:]):
            break
    run.expect(
        any(d.kind == "deadline" for d in run.notifier.delivered[before:]),
        "a reminder came before the response date",
    )
    released = case.presented not in ("admin_warrant", "warrant_unsure")
    if released:
        category = (
            case.record_category
            if case.record_category in services.playbook.record_categories
            else "other"
        )
        release = {
            "record_category": category if category != "unknown" else "other",
            "items": "2",
            "released_on": services.now()
            .astimezone(services.settings.library.zone)
            .date()
            .isoformat(),
            "matched": "yes",
        }
        logged = run.run(record_release(services, officer, case.id, release))
        run.expect(not logged.refused, "the release was logged against the process")
        click.secho("The officer logs the release: 2 items, only what was designated.", bold=True)
    answered = run.run(record_response(services, officer, case.id))
    run.expect(not answered.refused, "the response was recorded and the reminders stopped")
    click.secho("The officer records that the response was sent; the reminders stop.", bold=True)
    return released


def _escalate(run: DemoRun, case: CaseRecord, *, urgent: bool) -> Actor:
    """Nobody answers the first page: time passes and the next officer is paged."""
    escalation = run.services.settings.escalation
    wait = escalation.urgent_ack_timeout if urgent else escalation.ack_timeout
    chain = case.officer_chain
    why = " (urgent, so sooner)" if urgent else ""
    click.secho(f"\n... {duration_in_words(wait)} pass{why}; nobody acknowledges.", fg="yellow")
    if run.interactive:
        _pause("Press Enter to let the time pass")
    already = len(run.notifier.delivered)
    run.clock.advance(wait)
    run.deliver()
    if len(chain) < 2:
        return Actor("console", chain[0])
    fresh = run.notifier.delivered[already:]
    run.expect(
        any(d.address == chain[1] and d.kind == "page" for d in fresh),
        f"escalated to the next officer after {duration_in_words(wait)}",
    )
    return Actor("console", chain[1])


def _walk_steps(run: DemoRun, case_id: str, officer: Actor) -> None:
    services = run.services
    case = _case(run, case_id)
    click.secho("\nThe steps, as the case card shows them:", bold=True)
    for item in applicable_steps(services.playbook, case.presented):
        step = item.step
        if step.actor != "staff":
            tried = run.run(mark_step(services, STAFF, case_id, step.id, state=DONE))
            run.expect(tried.refused, f"staff were refused officer step {step.number}")
        who = STAFF if step.actor == "staff" else officer
        click.echo(f"{step.number}. {step.title} ({ACTORS[step.actor]})")
        click.echo(_indent(item.wording))
        if run.interactive:
            state = DONE if _yes_no("   Mark it done?", default=True) else NOT_APPLICABLE
        else:  # unattended: the catch-all step 6 has nothing to do in a scripted run
            state = DONE if step.required_to_close else NOT_APPLICABLE
        reply = run.run(mark_step(services, who, case_id, step.id, state=state))
        run.expect(not reply.refused, f"step {step.number} was recorded")
    run.deliver()


def _summarise(run: DemoRun, case_id: str) -> None:
    services = run.services
    case, logged = run.run(
        services.store.run(
            lambda db: (cases.get_case(db, case_id), demands.demand_for_case(db, case_id))
        )
    )
    assert case is not None
    presentation = services.playbook.presentation(case.presented)
    run.expect(case.status == "closed", "the case is closed")
    run.expect((logged is not None) == presentation.unauthorized, "unauthorized demands are logged")
    run.expect(bool(case.legal_hold) == presentation.legal_process, "legal process puts a hold")
    run.expect(bool(case.restricted) == presentation.restricted, "gag orders restrict the case")
    lines = [f"Case {case_id}: {presentation.label}."]
    if logged is not None:
        lines.append("Logged as an unauthorized demand (date, kinds and outcome; never a person).")
    if case.legal_hold:
        lines.append("On legal hold: it will not be purged until an officer releases the hold.")
    else:
        keep = duration_in_words(services.settings.retention.drills)
        lines.append(f"Its details will be purged on schedule (drills after {keep}).")
    if case.restricted:
        lines.append("Restricted: only officers and counsel saw its details.")
    click.echo()
    echo_view(v.View(title="Summary", lines=tuple(lines), tone=v.SUCCESS))


def _case(run: DemoRun, case_id: str) -> CaseRecord:
    case = run.run(run.services.store.run(lambda db: cases.get_case(db, case_id)))
    assert case is not None
    return case


def _delivered_to(run: DemoRun, address: str, kind: str) -> bool:
    return any(d.address == address and d.kind == kind for d in run.notifier.delivered)


def _name(services: Services, key: str) -> str:
    officer = services.settings.officer(key)
    return officer.name if officer else key


def _indent(text: str) -> str:
    return "\n".join(textwrap.wrap(text, 78, initial_indent="   ", subsequent_indent="   "))


# -- asking the person -------------------------------------------------------------------


def _ask_details(services: Services) -> IntakeDetails:
    pb = services.playbook
    click.secho("\nThe short form (categories only, never a library user's details):", bold=True)
    offered = pb.offered_presentations()
    presented = _pick(
        "What did they present?",
        {k: p.choice_label for k, p in offered.items()},
        empty="not_sure",
    )
    signed_by = "none"
    if offered[presented].document:
        signed_by = _pick(
            "Is it signed by a judge or magistrate, and does it name a court?",
            pb.labels("signers"),
            empty="unsure",
        )
    received_via = _pick("How did the request come?", pb.labels("received_via"), empty="in_person")
    kind = _pick("Who is asking?", pb.requester_kinds, empty="unknown")
    category = _pick("What kind of record do they want?", pb.record_categories, empty="unknown")
    waiting = _yes_no("Is the requester waiting now?", default=True)
    agency = click.prompt(
        "Agency (optional, no personal details; Enter to skip)", default="", show_default=False
    )
    return IntakeDetails(presented, kind, waiting, category, agency, received_via, signed_by)


def _pick(question: str, options: Mapping[str, str], *, empty: str) -> str:
    """A numbered choice; Enter means `empty` (said on screen), anything else is re-asked."""
    keys = list(options)
    click.echo(question)
    for index, key in enumerate(keys, 1):
        click.echo(f"  {index}. {options[key]}")
    hint = f"Type a number from 1 to {len(keys)}"
    while True:
        raw = click.prompt(
            f"{hint} (Enter: {options[empty]})", default="", show_default=False
        ).strip()
        if not raw:
            return empty
        if raw.isdigit() and 1 <= int(raw) <= len(keys):
            return keys[int(raw) - 1]
        click.echo(f"{hint}, or press Enter.")


def _yes_no(question: str, *, default: bool) -> bool:
    suffix = "Y/n" if default else "y/N"
    while True:
        raw = click.prompt(f"{question} [{suffix}]", default="", show_default=False).strip()
        if not raw:
            return default
        if raw.lower() in ("y", "yes"):
            return True
        if raw.lower() in ("n", "no"):
            return False
        click.echo("Type y for yes or n for no.")


def _pause(message: str) -> None:
    click.prompt(message, default="", show_default=False, prompt_suffix="")
