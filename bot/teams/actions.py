"""Text commands and card buttons, turned into handler calls; the replies go back as cards.

Everything here runs in the person's personal chat with the bot. Buttons that change a case
edit the card they were pressed on (Teams gives its id as `reply_to_id`); refusals are a short
reply and leave that card as it was.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from botbuilder.core import TurnContext

from bot.teams.cards import CASE_CARD, SUBMIT_CLOSE, SUBMIT_INTAKE
from bot.teams.commands import BOT_NAME, DRILL, HELP, START, STATUS, SUMMARY
from bot.teams.replies import send_reply, update_card
from handlers import cases
from handlers import views as v
from handlers.acknowledge import acknowledge_page
from handlers.actors import Actor
from handlers.help import help_view
from handlers.holds import release_hold
from handlers.reports import report_summary
from handlers.review import complete_review
from handlers.services import Services
from handlers.steps import mark_step
from playbooks.engine import DONE, NOT_APPLICABLE

CASE_ID = re.compile(r"PG-[2-9A-Z]{6}")
log = logging.getLogger("patronguard.teams")

UNKNOWN_ACTION = (
    "Sorry, that button is not one PatronGuard knows, perhaps from an older card. "
    "Type help to see what you can do."
)


async def handle_command(
    services: Services, context: TurnContext, actor: Actor, command: str, *, key: str | None
) -> None:
    """help, status, report (officers' summary), drill, or anything else: report a request."""
    if command == HELP:
        reply = help_view(services, actor, command=BOT_NAME)
    elif command == STATUS:
        reply = await cases.status(services, actor)
    elif command == SUMMARY:
        reply = await report_summary(services, actor)
    else:
        reply = await cases.report_inquiry(
            services, actor, drill=command == DRILL, idempotency_key=key
        )
        log.info("case %s: reported in Teams", reply.case_id)
    await send_reply(context, reply)


async def handle_submit(
    services: Services,
    context: TurnContext,
    actor: Actor,
    data: Any,
    *,
    key: str | None,
) -> None:
    """One press of an Action.Submit button: data carries action, value and any form inputs."""
    data = data if isinstance(data, dict) else {}
    action, value = data.get("action"), data.get("value")
    if not isinstance(action, str) or not isinstance(value, str):
        await send_reply(context, v.refusal(UNKNOWN_ACTION, title="Unknown action"))
        return
    if action == v.REPORT:
        await handle_command(services, context, actor, START, key=key)
    elif action == SUBMIT_INTAKE:
        reply = await cases.submit_intake(services, actor, value, cases.intake_from_answers(data))
        await send_reply(context, reply)
    elif action == SUBMIT_CLOSE:
        extra = {"summary": _text(data, "summary")} if _text(data, "summary") else {}
        reply = await cases.close_case(services, actor, value, _text(data, "outcome"), **extra)
        await _in_place(context, reply)
    elif action in (v.STEP_DONE, v.STEP_NOT_APPLICABLE):
        case_id, _, step_id = value.partition(":")
        state = DONE if action == v.STEP_DONE else NOT_APPLICABLE
        await _in_place(context, await mark_step(services, actor, case_id, step_id, state=state))
    elif action == v.ACK_PAGE:
        reply = await acknowledge_page(services, actor, value)
        if not reply.refused and data.get("card") == CASE_CARD:
            reply = await cases.show_case(services, actor, value)  # keep the steps on the card
        await _in_place(context, reply)
    elif action in _CHANGERS:
        await _in_place(context, await _CHANGERS[action](services, actor, value))
    elif action in _OPENERS:
        await send_reply(context, await _OPENERS[action](services, actor, value))
    else:
        await send_reply(context, v.refusal(UNKNOWN_ACTION, title="Unknown action"))
        return
    # Both come from the request: log only what has the shape of our own ids.
    case_id = value.partition(":")[0] if CASE_ID.fullmatch(value.partition(":")[0]) else "-"
    known = (*v.ACTIONS, SUBMIT_INTAKE, SUBMIT_CLOSE)
    log.info("case %s: %s from Teams", case_id, action if action in known else "other")


# Buttons that change something and show the result on the card they were pressed on.
_CHANGERS = {v.RELEASE_HOLD: release_hold, v.REVIEW_DONE: complete_review}
# Buttons that open something new below.
_OPENERS = {
    v.OPEN_CASE: cases.show_case,
    v.OPEN_INTAKE: cases.intake_form_for,
    v.OPEN_CLOSE: cases.close_form_for,
}


async def _in_place(context: TurnContext, reply: v.Reply) -> None:
    """Show a changed case on the card that was pressed; a refusal is a reply of its own."""
    card_id = context.activity.reply_to_id
    if reply.refused or not card_id:
        await send_reply(context, reply)
        return
    await update_card(context, card_id, reply.view)


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""
