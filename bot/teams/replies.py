"""Sending an outcome into a Teams conversation, or editing a card already there."""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, ResourceResponse

from bot.teams.cards import card_attachment, form_card, preview_text, view_card
from handlers import views as v
from handlers.interactions import Outcome


def card_activity(card: dict, *, summary: str = "", activity_id: str | None = None) -> Activity:
    """A message holding one Adaptive Card; `summary` is what notifications show."""
    return Activity(
        type=ActivityTypes.message,
        id=activity_id,
        attachments=[card_attachment(card)],
        summary=summary or None,
    )


def view_activity(view: v.View, *, activity_id: str | None = None) -> Activity:
    return card_activity(view_card(view), summary=preview_text(view), activity_id=activity_id)


def outcome_activities(outcome: Outcome) -> list[Activity]:
    """The messages an outcome becomes: its views, then the form to fill in, as a card."""
    activities = [view_activity(view) for view in outcome.views]
    if outcome.form is not None:
        summary = f"{outcome.form.title}: case {outcome.form.case_id}"
        activities.append(card_activity(form_card(outcome.form), summary=summary))
    return activities


async def send_outcome(context: TurnContext, outcome: Outcome) -> list[ResourceResponse]:
    return await context.send_activities(outcome_activities(outcome))


async def send_view(context: TurnContext, view: v.View) -> list[ResourceResponse]:
    return await context.send_activities([view_activity(view)])


async def update_card(context: TurnContext, activity_id: str, view: v.View) -> None:
    """Replace the card with id `activity_id` in this conversation by `view`."""
    await context.update_activity(view_activity(view, activity_id=activity_id))
