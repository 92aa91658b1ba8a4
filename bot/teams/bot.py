"""The Teams bot: activities in, one interaction each, replies as Adaptive Cards.

Personal chat is where everything happens. In a team channel or group chat, an @mention is
answered in the person's personal chat; the channel sees at most a neutral line. Message
text is read once to pick a command and is never stored or logged.
"""

from __future__ import annotations

import contextlib
import logging

from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Activity

from bot.teams.actions import interaction_of, respond
from bot.teams.references import (
    close_clients,
    continue_in,
    is_personal,
    open_personal_chat,
    personal_reference,
)
from bot.teams.replies import send_view
from handlers.actors import Actor, NotAnActor, known_id
from handlers.conversations import reference_for, remember_reference
from handlers.help import help_view
from handlers.outage import cannot_record
from handlers.services import Services

log = logging.getLogger("patronguard.teams")

MOVED_TO_PRIVATE = "I've sent you a private message."
TEAMS = "teams"


def delivery_key(activity: Activity) -> str | None:
    """Teams may deliver an activity more than once; its ids say whether we have seen it."""
    if not (activity.id and activity.conversation and activity.conversation.id):
        return None
    return f"teams:{activity.channel_id}:{activity.conversation.id}:{activity.id}"


class PatronGuardBot(ActivityHandler):
    """Translates Teams activities into interactions; holds no procedure logic."""

    def __init__(self, services: Services, *, app_id: str = "") -> None:
        self.services = services
        self.app_id = app_id

    async def on_turn(self, turn_context: TurnContext) -> None:
        try:
            await super().on_turn(turn_context)
        except Exception as exc:  # a failed turn gets the calm answer, never a 500 to Teams
            log.error(
                "Teams %s activity failed: %s", turn_context.activity.type, type(exc).__name__
            )
            if turn_context.activity.type == "message" and _addressable(turn_context.activity):
                with contextlib.suppress(Exception):
                    await send_view(turn_context, cannot_record(self.services).view)
        finally:
            await close_clients(turn_context)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """The app was added to someone's personal scope: remember where to reach them."""
        activity = turn_context.activity
        actor = self.actor_of(activity)
        if not (is_personal(activity) and activity.members_added and actor):
            return
        await self._remember(activity)
        if any(member.id == activity.recipient.id for member in activity.members_added):
            await send_view(turn_context, help_view(self.services, actor).view)

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if (
            activity.action in ("add", "add-upgrade")
            and is_personal(activity)
            and self.actor_of(activity)
        ):
            await self._remember(activity)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        actor = self.actor_of(activity)
        if actor is None or not _addressable(activity):
            return
        interaction = interaction_of(actor, activity.text, activity.value, delivery_key(activity))
        if is_personal(activity):
            await self._remember(activity)
            await respond(self.services, turn_context, interaction)
        elif activity.value is None:
            await self._answer_privately(turn_context, actor, interaction)
        # A button pressed outside personal chat cannot be ours: cards are only sent there.

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Acknowledge and ignore: PatronGuard's buttons (Action.Submit) arrive as messages.

        Nothing it offers invokes, and botbuilder's default answer (501) reads as a server error.
        """
        return InvokeResponse(status=200)

    def actor_of(self, activity: Activity) -> Actor | None:
        """The id PatronGuard knows a person by: their Microsoft Entra object id when the
        config names them by it (IT can look that up; the per-bot 29: id it cannot), else
        their Teams id. None when the activity names nobody usable."""
        sender = activity.from_property
        if sender is None:
            return None
        user_id = known_id(self.services.settings, TEAMS, [sender.aad_object_id, sender.id])
        try:
            return Actor(TEAMS, user_id)  # type: ignore[arg-type]
        except NotAnActor:
            return None

    async def _answer_privately(self, turn_context: TurnContext, actor: Actor, interaction) -> None:
        """Handle a channel @mention in the sender's personal chat; the channel learns nothing."""
        reference = await reference_for(self.services, actor.user_id)
        if reference is None:
            reference = await open_personal_chat(turn_context, self.app_id)
            await remember_reference(self.services, actor.user_id, reference)

        async def in_private(private: TurnContext) -> None:
            await respond(self.services, private, interaction)

        await continue_in(turn_context.adapter, reference, self.app_id, in_private)
        await turn_context.send_activity(MessageFactory.text(MOVED_TO_PRIVATE))

    async def _remember(self, activity: Activity) -> None:
        reference = personal_reference(activity)
        await remember_reference(self.services, activity.from_property.id, reference)
        aad = activity.from_property.aad_object_id
        if aad and aad != activity.from_property.id:  # officers may be configured by Entra id
            await remember_reference(self.services, aad, reference)


def _addressable(activity: Activity) -> bool:
    """In a conversation, with somewhere to answer: else there is no one to help."""
    conversation = activity.conversation
    return bool(conversation and conversation.id and activity.service_url)
