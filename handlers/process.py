"""The record of legal process: what was served, when it is due, and what was released.

Officers and counsel only. Every field is a category, a date or a count; the one free-text
note is short and redacted. A release cannot be logged before the process it answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime, time

from sqlite_utils import Database

from handlers import escalation
from handlers import views as v
from handlers.access import load_visible, refuse_unless_privileged
from handlers.actors import COUNSEL, Actor, Role, person_for_ref, role_of
from handlers.card_reply import card_after
from handlers.outage import storage_guard
from handlers.presenters import process_form, release_form
from handlers.redact import redact
from handlers.services import Services
from playbooks.model import NONDISCLOSURE
from storage import cases, processes
from storage.processes import LegalRecord, ProcessRecord, legal_record
from storage.records import CaseRecord, StepRecord
from storage.timefmt import from_text, to_text

NOTE_MAX = 120
ITEMS_MAX = 1_000_000


# -- opening the forms ---------------------------------------------------------------------


@storage_guard
async def process_form_for(services: Services, actor: Actor, case_id: str) -> v.Reply:
    return await _form_for(services, actor, case_id, "process")


@storage_guard
async def release_form_for(services: Services, actor: Actor, case_id: str) -> v.Reply:
    return await _form_for(services, actor, case_id, "release")


async def _form_for(services: Services, actor: Actor, case_id: str, which: str) -> v.Reply:
    role = role_of(services.settings, actor)
    what = "record the legal process" if which == "process" else "log a release"
    refused = refuse_unless_privileged(role, what, case_id)
    if refused:
        return refused

    def load(db: Database) -> tuple[CaseRecord, LegalRecord] | v.Reply:
        loaded = load_visible(db, actor, role, case_id, open_only=True)
        if isinstance(loaded, v.Reply):
            return loaded
        return loaded[0], legal_record(db, loaded[0].id)

    found = await services.store.run(load)
    if isinstance(found, v.Reply):
        return found
    case, legal = found
    if which == "release" and legal.process is None:
        return _no_process(case.id)
    form = (
        process_form(services, case.id, legal.process)
        if which == "process"
        else release_form(services, case.id, today=_today(services))
    )
    return v.Reply(view=v.View(title=form.title, case_id=case.id), form=form, case_id=case.id)


# -- recording -----------------------------------------------------------------------------


@storage_guard
async def record_process(
    services: Services,
    actor: Actor,
    case_id: str,
    answers: Mapping[str, object],
    *,
    delivery_key: str | None = None,
) -> v.Reply:
    """Record what was served. It puts the case on legal hold, and its response date sets
    the deadline clock: reminders to the officer who has the case and to counsel."""
    role = role_of(services.settings, actor)
    refused = refuse_unless_privileged(role, "record the legal process", case_id)
    if refused:
        return refused
    parsed = _process_answers(services, answers)
    if isinstance(parsed, v.Reply):
        return parsed
    now = services.now()

    def record(db: Database, case: CaseRecord) -> v.Reply | None:
        at = to_text(now)
        process = replace(parsed, case_id=case.id, recorded_at=at, recorded_by=actor.ref)
        processes.save_process(db, process)
        # Process with a nondisclosure requirement makes the case restricted from here on,
        # whatever staff chose at the desk.
        restricted = int(bool(case.restricted) or process.kind in NONDISCLOSURE)
        cases.update_case(db, case.id, legal_hold=1, hold_until=None, restricted=restricted)
        cases.record_event(
            db, case.id, at=at, kind="process_recorded", code=process.kind, by_user=actor.ref
        )
        saved = processes.get_process(db, case.id)
        escalation.cancel_reminders(db, case.id)
        if saved is not None and saved.due_on and not saved.responded_at:
            _queue_reminders(services, db, cases.require_case(db, case.id), saved, now)
        return None

    return await _card_after(services, actor, role, case_id, record, delivery_key, open_only=True)


@storage_guard
async def record_release(
    services: Services,
    actor: Actor,
    case_id: str,
    answers: Mapping[str, object],
    *,
    delivery_key: str | None = None,
) -> v.Reply:
    """Log what was released under the recorded process: a category and how many items."""
    role = role_of(services.settings, actor)
    refused = refuse_unless_privileged(role, "log a release", case_id)
    if refused:
        return refused
    pb = services.playbook
    category, items = _text(answers, "record_category"), _text(answers, "items")
    released_on = _date(answers, "released_on")
    if category not in pb.record_categories:
        return _form_refusal("Choose the kind of record released from the list.", "record_category")
    if not items.isdigit() or not 1 <= int(items) <= ITEMS_MAX:
        return _form_refusal("Give how many items were released, as a whole number.", "items")
    if released_on is None or released_on > _today(services):
        return _form_refusal("Give the date it was released (today or before).", "released_on")
    if _text(answers, "matched") != v.YES:
        return _form_refusal(
            "Release only what the process designates. If something else was released, "
            "tell counsel before logging it.",
            "matched",
        )
    now = services.now()

    def record(db: Database, case: CaseRecord) -> v.Reply | None:
        if processes.get_process(db, case.id) is None:
            return _no_process(case.id)
        at = to_text(now)
        processes.log_release(
            db,
            case_id=case.id,
            released_on=released_on.isoformat(),
            record_category=category,
            items=int(items),
            at=at,
            by=actor.ref,
        )
        cases.record_event(db, case.id, at=at, kind="released", code=category, by_user=actor.ref)
        return None

    return await _card_after(services, actor, role, case_id, record, delivery_key, open_only=True)


@storage_guard
async def record_response(
    services: Services, actor: Actor, case_id: str, *, delivery_key: str | None = None
) -> v.Reply:
    """The response to the process was sent: the deadline clock stops."""
    role = role_of(services.settings, actor)
    refused = refuse_unless_privileged(role, "record the response", case_id)
    if refused:
        return refused
    now = services.now()

    def record(db: Database, case: CaseRecord) -> v.Reply | None:
        if processes.get_process(db, case.id) is None:
            return _no_process(case.id)
        at = to_text(now)
        if processes.record_response(db, case.id, at=at, on=_today(services).isoformat()):
            cases.record_event(db, case.id, at=at, kind="responded", by_user=actor.ref)
        escalation.cancel_reminders(db, case.id)
        return None

    return await _card_after(services, actor, role, case_id, record, delivery_key)


# -- preserving records after an informal request ------------------------------------------


@storage_guard
async def preserve_records(
    services: Services, actor: Actor, case_id: str, *, delivery_key: str | None = None
) -> v.Reply:
    """After an unauthorized demand: keep the covered records while process is sought, as
    a legal hold that ends by itself unless counsel extends it."""
    role = role_of(services.settings, actor)
    refused = refuse_unless_privileged(role, "preserve records", case_id)
    if refused:
        return refused
    now = services.now()
    until = to_text(now + services.settings.legal_process.preservation)

    def preserve(db: Database, case: CaseRecord) -> v.Reply | None:
        if not services.playbook.presentation(case.presented).unauthorized:
            return v.refusal(
                "Preserving records is for a request made without legal process.",
                case_id=case.id,
            )
        if case.on_hold:
            return v.refusal(f"Case {case.id} is already on legal hold.", case_id=case.id)
        at = to_text(now)
        cases.update_case(
            db,
            case.id,
            legal_hold=1,
            hold_until=until,
            hold_released_at=None,
            hold_released_by=None,
        )
        cases.record_event(db, case.id, at=at, kind="preserved", by_user=actor.ref)
        return None

    return await _card_after(services, actor, role, case_id, preserve, delivery_key)


@storage_guard
async def extend_preservation(
    services: Services, actor: Actor, case_id: str, *, delivery_key: str | None = None
) -> v.Reply:
    """Counsel keeps the records for another period while process is still expected."""
    role = role_of(services.settings, actor)
    if role != COUNSEL:
        return v.refusal(
            "Only counsel can extend a preservation.", title="Counsel only", case_id=case_id
        )
    now = services.now()
    extra = services.settings.legal_process.preservation

    def extend(db: Database, case: CaseRecord) -> v.Reply | None:
        if not case.on_hold or case.hold_until is None:
            return v.refusal(f"Case {case.id} has no preservation to extend.", case_id=case.id)
        until = max(from_text(case.hold_until), now) + extra
        cases.update_case(db, case.id, hold_until=to_text(until))
        cases.record_event(
            db, case.id, at=to_text(now), kind="preservation_extended", by_user=actor.ref
        )
        return None

    return await _card_after(services, actor, role, case_id, extend, delivery_key)


async def release_lapsed_preservations(services: Services) -> list[str]:
    """Preservation holds past their end date are released (counsel did not extend them)."""
    at = services.now_text()

    def lapse(db: Database) -> list[str]:
        lapsed = cases.lapsed_holds(db, at)
        for case_id in lapsed:
            cases.update_case(
                db, case_id, hold_released_at=at, hold_released_by="preservation:lapsed"
            )
            cases.record_event(db, case_id, at=at, kind="preservation_lapsed")
        return lapsed

    return await services.store.run(lapse)


# -- reminders -----------------------------------------------------------------------------


@storage_guard
async def reminder_seen(services: Services, actor: Actor, page_id: str) -> v.Reply:
    """An officer or counsel says they saw a deadline reminder; it says so from then on."""
    role = role_of(services.settings, actor)
    refused = refuse_unless_privileged(role, "mark a reminder seen")
    if refused:
        return refused
    if not page_id.isdigit():
        return v.refusal("That reminder does not exist.", title="Reminder not found")
    at = services.now_text()

    def seen(db: Database) -> str | None:
        case_id = cases.reminder_case(db, int(page_id))
        if case_id is not None:
            cases.record_event(
                db, case_id, at=at, kind="reminder_seen", code=page_id, by_user=actor.ref
            )
        return case_id

    case_id = await services.store.run(seen)
    if case_id is None:
        return v.refusal("That reminder does not exist.", title="Reminder not found")
    who = person_for_ref(services.settings, actor.ref)
    name = who.name if who else "you"
    view = v.View(
        title=f"Case {case_id}: reminder seen by {name}",
        lines=(f"Seen at {services.local_time(at)}.",),
        buttons=(v.Button("Open case", v.OPEN_CASE, case_id),),
        tone=v.SUCCESS,
        case_id=case_id,
    )
    return v.Reply(view=view, case_id=case_id)


def _queue_reminders(
    services: Services, db: Database, case: CaseRecord, process: ProcessRecord, now: datetime
) -> None:
    """Each reminder at the set hour, that many days before the date; of those already past
    only the latest goes out, at once."""
    settings = services.settings
    zone = settings.library.zone
    due = date.fromisoformat(process.due_on or "")
    hour = time(settings.legal_process.reminder_hour)
    times = [
        (ahead, datetime.combine(due - ahead, hour, zone))
        for ahead in settings.legal_process.reminders
    ]
    past = [t for t in times if t[1] <= now]
    chosen = [t for t in times if t[1] > now] + ([max(past, key=lambda t: t[1])] if past else [])
    for ahead, when in chosen:
        escalation.queue_reminder(
            db,
            settings=settings,
            case=case,
            page_channels=services.page_channels,
            tag=f"{process.due_on}:{ahead.days}",
            at=max(when, now),
        )


# -- helpers -------------------------------------------------------------------------------


async def _card_after(
    services: Services,
    actor: Actor,
    role: Role,
    case_id: str,
    change: Callable[[Database, CaseRecord], v.Reply | None],
    delivery_key: str | None,
    *,
    open_only: bool = False,
) -> v.Reply:
    """Load the case the actor may see, apply `change` (a refusal stops it) in the same
    transaction, and answer with the case card as it now stands."""

    def job(db: Database) -> tuple[CaseRecord, dict[str, StepRecord]] | v.Reply:
        loaded = load_visible(db, actor, role, case_id, open_only=open_only)
        if isinstance(loaded, v.Reply):
            return loaded
        refused = change(db, loaded[0])
        if refused is not None:
            return refused
        return cases.require_case(db, case_id), cases.step_records(db, case_id)

    return await card_after(services, role, job, delivery_key)


def _process_answers(services: Services, answers: Mapping[str, object]) -> ProcessRecord | v.Reply:
    """The form's answers checked, as a record still to be given its case and author."""
    pb = services.playbook
    choices = (
        ("kind", pb.labels("process_kinds"), "the kind of process"),
        ("authority", pb.labels("authorities"), "who issued it"),
        ("received_how", pb.labels("received_how"), "how it came"),
        ("served_on", pb.served_on, "who it was served on"),
    )
    found: dict[str, str] = {}
    for name, allowed, what in choices:
        value = _text(answers, name)
        if value not in allowed:
            return _form_refusal(f"Choose {what} from the list.", name)
        found[name] = value
    received_on = _date(answers, "received_on")
    if received_on is None or received_on > _today(services):
        return _form_refusal("Give the date it was received (today or before).", "received_on")
    due_on = _date(answers, "due_on")
    if _text(answers, "due_on") and due_on is None:
        return _form_refusal("Give the response date as a date, or leave it empty.", "due_on")
    if due_on is not None and due_on < received_on:
        return _form_refusal("The response date cannot be before it was received.", "due_on")
    counsel = _text(answers, "copy_with_counsel")
    if counsel not in (v.YES, v.NO):
        return _form_refusal("Say whether counsel has a complete copy.", "copy_with_counsel")
    return ProcessRecord(
        case_id="",
        kind=found["kind"],
        authority=found["authority"],
        received_on=received_on.isoformat(),
        received_how=found["received_how"],
        served_on=found["served_on"],
        due_on=due_on.isoformat() if due_on else None,
        copy_with_counsel=int(counsel == v.YES),
        note=redact(_text(answers, "note"), max_length=NOTE_MAX) or None,
        responded_at=None,
        recorded_at="",
        recorded_by="",
    )


def _text(answers: Mapping[str, object], name: str) -> str:
    """An answer as text; a number input may arrive as a number (Teams sends one)."""
    value = answers.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool) and value == int(value):
        return str(int(value))
    return value.strip() if isinstance(value, str) else ""


def _date(answers: Mapping[str, object], name: str) -> date | None:
    try:
        return date.fromisoformat(_text(answers, name))
    except ValueError:
        return None


def _today(services: Services) -> date:
    return services.now().astimezone(services.settings.library.zone).date()


def _form_refusal(message: str, field: str) -> v.Reply:
    return v.refusal(message, title="Please check the form", field=field)


def _no_process(case_id: str) -> v.Reply:
    return v.refusal(
        "Record the legal process first (step 2, Record the process): a release is always "
        "logged against the process that asked for it.",
        title="No process recorded",
        case_id=case_id,
    )
