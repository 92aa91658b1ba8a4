"""Sending a handler's Reply into a Teams conversation, or editing a card already there."""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, ResourceResponse

from bot.teams.cards import card_attachment, form_card, preview_text, view_card
from handlers import views as v


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


def reply_activities(reply: v.Reply) -> list[Activity]:
    """The messages a Reply becomes: its view, any extra views, then its form."""
    views = [reply.view, *reply.extra]
    if reply.form is not None and _title_only(reply.view):
        views = list(reply.extra)  # the form card carries its own title and case id
    activities = [view_activity(view) for view in views]
    if reply.form is not None:
        summary = f"{reply.form.title}: case {reply.form.case_id}"
        activities.append(card_activity(form_card(reply.form), summary=summary))
    return activities


async def send_reply(context: TurnContext, reply: v.Reply) -> list[ResourceResponse]:
    return await context.send_activities(reply_activities(reply))


async def update_card(context: TurnContext, activity_id: str, view: v.View) -> None:
    """Replace the card with id `activity_id` in this conversation by `view`."""
    await context.update_activity(view_activity(view, activity_id=activity_id))


def _title_only(view: v.View) -> bool:
    return not (view.lines or view.sections or view.facts or view.steps or view.buttons)
