"""Teams conversation references: where to reach a person in personal chat, kept per user id.

A reference holds ids and the service URL only: no message text, no names. Only personal
(1:1) conversations are stored, so a page can never land in a team channel.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.core.cloud_adapter_base import CloudAdapterBase
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)

PERSONAL = "personal"

Logic = Callable[[TurnContext], Awaitable[Any]]


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    return bool(conversation and conversation.conversation_type == PERSONAL)


def tenant_of(activity: Activity) -> str | None:
    """The Microsoft Entra tenant of the conversation, from wherever Teams put it."""
    if activity.conversation and activity.conversation.tenant_id:
        return activity.conversation.tenant_id
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant")
    return tenant.get("id") if isinstance(tenant, dict) else None


def personal_reference(activity: Activity, *, conversation_id: str | None = None) -> dict[str, Any]:
    """A minimal serialized reference to the sender's personal chat with the bot."""
    reference = ConversationReference(
        user=ChannelAccount(id=activity.from_property.id),
        bot=ChannelAccount(id=activity.recipient.id),
        conversation=ConversationAccount(
            id=conversation_id or activity.conversation.id,
            conversation_type=PERSONAL,
            tenant_id=tenant_of(activity),
        ),
        channel_id=activity.channel_id,
        service_url=activity.service_url,
    )
    return reference.serialize()


def to_reference(data: dict[str, Any]) -> ConversationReference:
    return ConversationReference().deserialize(data)


async def continue_in(
    adapter: CloudAdapterBase, reference: dict[str, Any], app_id: str, logic: Logic
) -> Any:
    """Run `logic` in the referenced conversation and return its result; errors propagate."""
    result: list[Any] = []

    async def run(context: TurnContext) -> None:
        # The continuation's id is made up; left set, messages would "reply" to nothing.
        context.activity.id = None
        try:
            result.append(await logic(context))
        finally:
            await close_clients(context)

    await adapter.continue_conversation(to_reference(reference), run, app_id or None)
    return result[0] if result else None


async def open_personal_chat(context: TurnContext, app_id: str) -> dict[str, Any]:
    """Create (or, as Teams does, return) the 1:1 chat between the sender and the bot."""
    activity = context.activity
    tenant = tenant_of(activity)
    parameters = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id=activity.recipient.id),
        members=[ChannelAccount(id=activity.from_property.id)],
        tenant_id=tenant,
        channel_data={"tenant": {"id": tenant}} if tenant else None,
    )
    created: list[str] = []

    async def capture(new_context: TurnContext) -> None:
        try:
            created.append(new_context.activity.conversation.id)
        finally:
            await close_clients(new_context)

    await context.adapter.create_conversation(
        app_id or None,
        capture,
        parameters,
        channel_id=activity.channel_id,
        service_url=activity.service_url,
    )
    return personal_reference(activity, conversation_id=created[0])


async def close_clients(context: TurnContext) -> None:
    """Close the HTTP sessions botbuilder opens for each turn and never closes itself."""
    connector = context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
    token_client = context.turn_state.get(CloudAdapterBase.USER_TOKEN_CLIENT_KEY)
    for client in (connector, getattr(token_client, "_client", None)):
        if client is not None:
            with contextlib.suppress(Exception):
                await client.__aexit__(None, None, None)
