"""The Teams bot: activities in, handler calls out, replies as Adaptive Cards.

Personal chat is where everything happens. In a team channel or group chat, an @mention is
answered in the person's personal chat; the channel sees at most a neutral line. Message
text is read once to pick a command and is never stored or logged.
"""

from __future__ import annotations

import contextlib
import logging

from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Activity

from bot.teams.actions import handle_command, handle_submit
from bot.teams.commands import BOT_NAME, command_of
from bot.teams.references import (
    close_clients,
    continue_in,
    is_personal,
    open_personal_chat,
    personal_reference,
    remember,
    stored_reference,
)
from bot.teams.replies import send_reply
from handlers.actors import Actor
from handlers.help import help_view
from handlers.services import Services
from storage import cases

log = logging.getLogger("patronguard.teams")

MOVED_TO_PRIVATE = "I've sent you a private message."
SORRY = (
    "Sorry, PatronGuard could not do that just now. Please try again in a moment; "
    "if someone is waiting for records, phone the responsible officer."
)


def idempotency_key(activity: Activity) -> str | None:
    """Teams may deliver an activity more than once; its ids say whether we have seen it."""
    if not (activity.id and activity.conversation and activity.conversation.id):
        return None
    return f"teams:{activity.channel_id}:{activity.conversation.id}:{activity.id}"


class PatronGuardBot(ActivityHandler):
    """Translates Teams activities into handler calls; holds no procedure logic."""

    def __init__(self, services: Services, *, app_id: str = "") -> None:
        self.services = services
        self.app_id = app_id

    async def on_turn(self, turn_context: TurnContext) -> None:
        try:
            await super().on_turn(turn_context)
        except Exception as exc:  # a failed turn gets an apology, never a 500 to Teams
            log.error(
                "Teams %s activity failed: %s", turn_context.activity.type, type(exc).__name__
            )
            if turn_context.activity.type == "message" and _addressable(turn_context.activity):
                with contextlib.suppress(Exception):
                    await turn_context.send_activity(MessageFactory.text(SORRY))
        finally:
            await close_clients(turn_context)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """The app was added to someone's personal scope: remember where to reach them."""
        activity = turn_context.activity
        if not (is_personal(activity) and activity.members_added and _sender(activity)):
            return
        await self._remember(activity)
        if any(member.id == activity.recipient.id for member in activity.members_added):
            actor = Actor("teams", teams_user_id(activity, self.services))
            await send_reply(turn_context, help_view(self.services, actor, command=BOT_NAME))

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if (
            activity.action in ("add", "add-upgrade")
            and is_personal(activity)
            and _sender(activity)
        ):
            await self._remember(activity)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if not _addressable(activity):
            return
        key = idempotency_key(activity)
        if key and not await self._first_time(key):
            log.info("ignored a repeated Teams activity")
            return
        actor = Actor("teams", teams_user_id(activity, self.services))
        submitted = activity.value  # a button press; anything but a dict is refused politely
        if is_personal(activity):
            await self._remember(activity)
            if submitted is not None:
                await handle_submit(self.services, turn_context, actor, submitted, key=key)
            else:
                command = command_of(activity.text)
                await handle_command(self.services, turn_context, actor, command, key=key)
        elif submitted is None:
            await self._answer_privately(turn_context, actor, command_of(activity.text), key)
        # A button pressed outside personal chat cannot be ours: cards are only sent there.

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Acknowledge and ignore: PatronGuard's buttons (Action.Submit) arrive as messages.

        Nothing it offers invokes, and botbuilder's default answer (501) reads as a server error.
        """
        return InvokeResponse(status=200)

    async def _answer_privately(
        self, turn_context: TurnContext, actor: Actor, command: str, key: str | None
    ) -> None:
        """Handle a channel @mention in the sender's personal chat; the channel learns nothing."""
        reference = await stored_reference(self.services, actor.user_id)
        if reference is None:
            reference = await open_personal_chat(turn_context, self.app_id)
            await remember(self.services, actor.user_id, reference)

        async def in_private(private: TurnContext) -> None:
            await handle_command(self.services, private, actor, command, key=key)

        await continue_in(turn_context.adapter, reference, self.app_id, in_private)
        await turn_context.send_activity(MessageFactory.text(MOVED_TO_PRIVATE))

    async def _remember(self, activity: Activity) -> None:
        reference = personal_reference(activity)
        await remember(self.services, activity.from_property.id, reference)
        aad = activity.from_property.aad_object_id
        if aad and aad != activity.from_property.id:  # officers may be configured by Entra id
            await remember(self.services, aad, reference)

    async def _first_time(self, key: str) -> bool:
        at = self.services.now_text()
        seen = await self.services.store.run(
            lambda db: cases.remember_event(db, f"{key}:turn", case_id=None, at=at)
        )
        return seen is None


def teams_user_id(activity: Activity, services: Services) -> str:
    """The id PatronGuard knows a person by: their Microsoft Entra object id when the config
    names them by it (IT can look that up; the per-bot 29: id it cannot), else the Teams id."""
    aad = activity.from_property.aad_object_id
    people = [*services.settings.officers, services.settings.counsel]
    if aad and any(p is not None and p.teams_id == aad for p in people):
        return aad
    return activity.from_property.id


def _sender(activity: Activity) -> bool:
    return bool(activity.from_property and activity.from_property.id)


def _addressable(activity: Activity) -> bool:
    """From someone, in a conversation, with somewhere to answer: else there is no one to help."""
    conversation = activity.conversation
    return bool(_sender(activity) and conversation and conversation.id and activity.service_url)
