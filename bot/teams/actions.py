"""Teams activities turned into one interaction each; outcomes sent back as cards.

Everything happens in the person's personal chat with the bot. A button that changes a case
edits the card it was pressed on (Teams gives its id as `reply_to_id`); a refusal is a short
reply of its own and leaves that card as it was.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import TurnContext

from bot.teams.cards import ACTION, FORM, VALUE
from bot.teams.replies import send_outcome, update_card
from handlers.actors import Actor
from handlers.interactions import Interaction, Kind, Outcome, Placement, handle
from handlers.services import Services

log = logging.getLogger("patronguard.teams")


def interaction_of(actor: Actor, text: str | None, value: Any, key: str | None) -> Interaction:
    """A message's text, or the data of a pressed card button, as one interaction.

    Odd data (not a mapping, missing or non-text fields) passes on as it is, for the handlers
    to refuse with their own words; nothing is guessed.
    """
    if value is None:
        return Interaction(actor, Kind.TEXT, name=text or "", delivery_key=key)
    data = value if isinstance(value, dict) else {}
    case_id = data.get(VALUE)
    case_id = case_id if isinstance(case_id, str) else ""
    form = data.get(FORM)
    if isinstance(form, str):
        fields = {k: v for k, v in data.items() if k not in (FORM, VALUE)}
        return Interaction(
            actor, Kind.FORM, name=form, value=case_id, fields=fields, delivery_key=key
        )
    action = data.get(ACTION)
    name = action if isinstance(action, str) else ""
    return Interaction(actor, Kind.BUTTON, name=name, value=case_id, delivery_key=key)


async def respond(services: Services, context: TurnContext, interaction: Interaction) -> None:
    """Let the handlers decide, then answer in this conversation."""
    outcome = await handle(services, interaction)
    if outcome.replayed:
        log.info("ignored a repeated Teams activity")
        return
    await render(context, outcome)
    if outcome.what:
        log.info("case %s: %s from Teams", outcome.case_id or "-", outcome.what)


async def render(context: TurnContext, outcome: Outcome) -> None:
    card_id = context.activity.reply_to_id
    if outcome.placement == Placement.IN_PLACE and card_id and outcome.view is not None:
        await update_card(context, card_id, outcome.view)
        return
    await send_outcome(context, outcome)
