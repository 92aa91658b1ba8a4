"""One interaction layer: what a person did in any channel, and what happens next.

A channel turns its payload into an `Interaction` (who, what kind, which command, button or
form, its value and fields, the delivery key) and renders the `Outcome` it gets back. The
command words, the button table, the forms' fields, the failure wording, the rule that an
acknowledgement on a case card keeps its steps, and retried deliveries all live here, once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from handlers import views as v
from handlers.access import REPLAYED, transact
from handlers.acknowledge import acknowledge_page
from handlers.actors import Actor, is_privileged, role_of
from handlers.cases import report_inquiry, show_case, status
from handlers.closing import close_case, close_form_for, close_from_answers
from handlers.commands import Command, command_of
from handlers.help import help_view, unknown_action
from handlers.holds import release_hold
from handlers.intake import intake_form_for, intake_from_answers, submit_intake
from handlers.outage import cannot_record
from handlers.process import (
    extend_preservation,
    preserve_records,
    process_form_for,
    record_process,
    record_release,
    record_response,
    release_form_for,
    reminder_seen,
)
from handlers.reports import report_summary
from handlers.review import complete_review
from handlers.services import Services
from handlers.steps import mark_step
from playbooks.engine import DONE, NOT_APPLICABLE, StepState

log = logging.getLogger("patronguard.interactions")


class Kind(StrEnum):
    TEXT = "text"  # a slash command's text, a message to the bot, an @mention
    SHORTCUT = "shortcut"  # a "Report a records request" shortcut or menu entry
    BUTTON = "button"
    FORM = "form"  # a submitted form
    HOME = "home"  # the app's home tab opened


class Placement(StrEnum):
    """Where the answer goes; each channel knows how to put it there, privately."""

    REPLY = "reply"  # where they asked: a command's answer, a reply in their chat
    IN_PLACE = "in_place"  # replaces the message the button was on
    PRIVATE = "private"  # a new message only they see
    NOTE = "note"  # a short note where they are; the message pressed stays as it was


@dataclass(frozen=True)
class Interaction:
    actor: Actor
    kind: Kind
    name: str = ""  # the text typed, a button's action id, or a form's id
    value: str = ""  # a button's value, or the case id a form belongs to
    fields: Mapping[str, object] = field(default_factory=dict)
    delivery_key: str | None = None  # the same for every delivery of one event


@dataclass(frozen=True)
class Outcome:
    views: tuple[v.View, ...] = ()
    placement: Placement = Placement.REPLY
    form: v.Form | None = None  # a form to open for the person
    case_id: str | None = None
    refused: bool = False
    field: str | None = None  # the form field a refusal is about
    replayed: bool = False  # a retried delivery already answered: the channel sends nothing
    what: str = ""  # a fixed name for logs ("report", "step_done", ...), never input

    @property
    def view(self) -> v.View | None:
        return self.views[0] if self.views else None


async def handle(services: Services, interaction: Interaction) -> Outcome:
    """What happens when someone acts; never raises: a failure gets the one calm answer."""
    try:
        return await _dispatch(services, interaction)
    except Exception as exc:  # staff must always get an answer
        log.error("%s failed (%s)", interaction.kind, type(exc).__name__)
        placement = Placement.NOTE if interaction.kind == Kind.BUTTON else Placement.REPLY
        return _outcome(cannot_record(services), placement, what="failure")


async def _dispatch(services: Services, i: Interaction) -> Outcome:
    if i.kind == Kind.TEXT:
        return await _text(services, i)
    if i.kind == Kind.SHORTCUT:
        return await _report(services, i, placement=Placement.PRIVATE)
    if i.kind == Kind.BUTTON:
        route = BUTTONS.get(i.name)
        if route is None:
            unknown = unknown_action(services, i.actor.channel)
            return _outcome(unknown, Placement.NOTE, what="unknown")
        return await route(services, i)
    if i.kind == Kind.FORM:
        form = FORMS.get(i.name)
        if form is None:
            unknown = unknown_action(services, i.actor.channel)
            return _outcome(unknown, Placement.REPLY, what="unknown")
        return await form(services, i)
    if await _replayed(services, i):
        return Outcome(replayed=True)
    # The home tab: how to report, for everyone, and the cases they may see.
    views = (help_view(services, i.actor).view, (await status(services, i.actor)).view)
    return Outcome(views=views, what="home")


async def _text(services: Services, i: Interaction) -> Outcome:
    command = command_of(i.name)
    privileged = is_privileged(role_of(services.settings, i.actor))
    if command in (Command.START, Command.DRILL) or (command == Command.SUMMARY and not privileged):
        # Any other text reports: a mistyped word must never lose a real request.
        return await _report(services, i, placement=Placement.REPLY, drill=command == Command.DRILL)
    if await _replayed(services, i):
        return Outcome(replayed=True)
    if command == Command.HELP:
        reply = help_view(services, i.actor)
    elif command == Command.STATUS:
        reply = await status(services, i.actor)
    else:
        reply = await report_summary(services, i.actor)
    return _outcome(reply, Placement.REPLY, what=command.value)


async def _report(
    services: Services, i: Interaction, *, placement: Placement, drill: bool = False
) -> Outcome:
    reply = await report_inquiry(services, i.actor, drill=drill, delivery_key=i.delivery_key)
    if reply.case_id:
        log.info("case %s: reported in %s", reply.case_id, i.actor.channel)
    return _outcome(reply, placement, what="drill" if drill else "report")


# -- buttons ------------------------------------------------------------------------------


async def _acknowledge(services: Services, i: Interaction) -> Outcome:
    reply = await acknowledge_page(services, i.actor, i.value, delivery_key=i.delivery_key)
    return _changed(reply, what=v.ACK_PAGE)


async def _acknowledge_on_card(services: Services, i: Interaction) -> Outcome:
    """Acknowledged from the case card: the card stays a case card, steps and all."""
    reply = await acknowledge_page(services, i.actor, i.value, delivery_key=i.delivery_key)
    if not (reply.refused or reply.replayed):
        reply = await show_case(services, i.actor, i.value)
    return _changed(reply, what=v.ACK_CASE)


def _step(state: StepState) -> Callable[[Services, Interaction], Awaitable[Outcome]]:
    async def mark(services: Services, i: Interaction) -> Outcome:
        case_id, _, step_id = i.value.partition(":")
        reply = await mark_step(
            services, i.actor, case_id, step_id, state=state, delivery_key=i.delivery_key
        )
        return _changed(reply, what=v.STEP_DONE if state == DONE else v.STEP_NOT_APPLICABLE)

    return mark


async def _release_hold(services: Services, i: Interaction) -> Outcome:
    reply = await release_hold(services, i.actor, i.value, delivery_key=i.delivery_key)
    return _changed(reply, what=v.RELEASE_HOLD)


async def _review_done(services: Services, i: Interaction) -> Outcome:
    return _changed(await complete_review(services, i.actor, i.value), what=v.REVIEW_DONE)


async def _open_case(services: Services, i: Interaction) -> Outcome:
    reply = await show_case(services, i.actor, i.value)
    return _outcome(reply, Placement.PRIVATE, what=v.OPEN_CASE)


async def _open_intake(services: Services, i: Interaction) -> Outcome:
    return _form_opened(await intake_form_for(services, i.actor, i.value), what=v.OPEN_INTAKE)


async def _open_close(services: Services, i: Interaction) -> Outcome:
    return _form_opened(await close_form_for(services, i.actor, i.value), what=v.OPEN_CLOSE)


async def _report_button(services: Services, i: Interaction) -> Outcome:
    return await _report(services, i, placement=Placement.PRIVATE)


async def _open_process(services: Services, i: Interaction) -> Outcome:
    return _form_opened(await process_form_for(services, i.actor, i.value), what=v.OPEN_PROCESS)


async def _open_release(services: Services, i: Interaction) -> Outcome:
    return _form_opened(await release_form_for(services, i.actor, i.value), what=v.OPEN_RELEASE)


async def _response_sent(services: Services, i: Interaction) -> Outcome:
    reply = await record_response(services, i.actor, i.value, delivery_key=i.delivery_key)
    return _changed(reply, what=v.RESPONSE_SENT)


async def _preserve(services: Services, i: Interaction) -> Outcome:
    reply = await preserve_records(services, i.actor, i.value, delivery_key=i.delivery_key)
    return _changed(reply, what=v.PRESERVE)


async def _extend_preservation(services: Services, i: Interaction) -> Outcome:
    reply = await extend_preservation(services, i.actor, i.value, delivery_key=i.delivery_key)
    return _changed(reply, what=v.EXTEND_PRESERVATION)


async def _reminder_seen(services: Services, i: Interaction) -> Outcome:
    return _changed(await reminder_seen(services, i.actor, i.value), what=v.REMINDER_SEEN)


BUTTONS: dict[str, Callable[[Services, Interaction], Awaitable[Outcome]]] = {
    v.ACK_PAGE: _acknowledge,
    v.ACK_CASE: _acknowledge_on_card,
    v.STEP_DONE: _step(DONE),
    v.STEP_NOT_APPLICABLE: _step(NOT_APPLICABLE),
    v.RELEASE_HOLD: _release_hold,
    v.REVIEW_DONE: _review_done,
    v.OPEN_CASE: _open_case,
    v.OPEN_INTAKE: _open_intake,
    v.OPEN_CLOSE: _open_close,
    v.REPORT: _report_button,
    v.OPEN_PROCESS: _open_process,
    v.OPEN_RELEASE: _open_release,
    v.RESPONSE_SENT: _response_sent,
    v.PRESERVE: _preserve,
    v.EXTEND_PRESERVATION: _extend_preservation,
    v.REMINDER_SEEN: _reminder_seen,
}


# -- forms --------------------------------------------------------------------------------


async def _intake_submitted(services: Services, i: Interaction) -> Outcome:
    details = intake_from_answers(i.fields)
    reply = await submit_intake(services, i.actor, i.value, details, delivery_key=i.delivery_key)
    return _outcome(reply, Placement.PRIVATE, what="intake")


async def _close_submitted(services: Services, i: Interaction) -> Outcome:
    outcome, summary = close_from_answers(i.fields)
    reply = await close_case(
        services, i.actor, i.value, outcome, summary=summary, delivery_key=i.delivery_key
    )
    # Where the form is a message (Teams), the closed case replaces it: it cannot be sent twice.
    return _outcome(reply, Placement.IN_PLACE, what="close")


async def _process_submitted(services: Services, i: Interaction) -> Outcome:
    reply = await record_process(services, i.actor, i.value, i.fields, delivery_key=i.delivery_key)
    return _outcome(reply, Placement.IN_PLACE, what="process")


async def _release_submitted(services: Services, i: Interaction) -> Outcome:
    reply = await record_release(services, i.actor, i.value, i.fields, delivery_key=i.delivery_key)
    return _outcome(reply, Placement.IN_PLACE, what="release")


FORMS: dict[str, Callable[[Services, Interaction], Awaitable[Outcome]]] = {
    "intake": _intake_submitted,
    "close": _close_submitted,
    "process": _process_submitted,
    "release": _release_submitted,
}
# Every fixed name an outcome can carry, for logs that must never echo input.
KNOWN_NAMES = frozenset(
    {*BUTTONS, *FORMS, *(c.value for c in Command), "home", "failure", "unknown"}
)


# -- helpers ------------------------------------------------------------------------------


def _outcome(reply: v.Reply, placement: Placement, *, what: str) -> Outcome:
    if reply.replayed:
        return Outcome(replayed=True, what=what)
    refused_here = Placement.NOTE if placement == Placement.IN_PLACE else placement
    return Outcome(
        views=(reply.view,),
        placement=refused_here if reply.refused else placement,
        form=reply.form,
        case_id=reply.case_id,
        refused=reply.refused,
        field=reply.field,
        what=what,
    )


def _changed(reply: v.Reply, *, what: str) -> Outcome:
    """A button that changed something shows the result where it was pressed."""
    return _outcome(reply, Placement.IN_PLACE, what=what)


def _form_opened(reply: v.Reply, *, what: str) -> Outcome:
    if reply.refused or reply.form is None:
        return _outcome(reply, Placement.NOTE, what=what)
    return Outcome(form=reply.form, case_id=reply.case_id, placement=Placement.PRIVATE, what=what)


async def _replayed(services: Services, i: Interaction) -> bool:
    """For answers that change nothing: claim the delivery key, so a retry stays silent."""
    if i.delivery_key is None:
        return False
    claimed = await transact(services, lambda db: None, delivery_key=i.delivery_key)
    return claimed is REPLAYED
