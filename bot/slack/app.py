"""Slack listeners: payloads in, one interaction each, Block Kit out.

Every listener turns its payload into a neutral `Interaction`, lets `handlers.interactions`
decide, and renders the `Outcome` where it belongs: the command's ack, a message edited in
place, a direct message, a private note, a modal or the Home tab. Nothing about a case ever
goes to a shared channel. Message text typed by staff is never logged or stored; the
handlers read it only to tell a command word from a report.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.runtime import Runtime
from bot.slack.blocks import (
    base_action,
    first_input_block,
    fit,
    home_view,
    message_args,
    modal_view,
    submitted_values,
)
from bot.slack.manifest import SHORTCUT_CALLBACK_ID
from handlers import views as v
from handlers.actors import Actor, NotAnActor
from handlers.interactions import Interaction, Kind, Outcome, Placement, handle
from handlers.services import Services

log = logging.getLogger("patronguard.slack")

ERROR_TEXT_MAX = 1000
SLACK = "slack"


def actor_of(user_id: object) -> Actor | None:
    """The person a payload names, or None when it names nobody usable (never guessed)."""
    try:
        return Actor(SLACK, user_id)  # type: ignore[arg-type]
    except NotAnActor:
        return None


class SlackListeners:
    """What every listener shares: the handlers' services and the Slack Web API client."""

    def __init__(self, runtime: Runtime, client: AsyncWebClient):
        self.runtime = runtime
        self.client = client

    @property
    def services(self) -> Services:
        return self.runtime.services

    async def _handle(self, interaction: Interaction) -> Outcome:
        return await handle(self.services, interaction)

    # -- ways in -------------------------------------------------------------------------

    async def on_command(self, ack: Any, command: dict[str, Any]) -> None:
        """The slash command: a command word, or anything else reports a request."""
        actor = actor_of(command.get("user_id"))
        trigger_id = command.get("trigger_id")
        if actor is None or not isinstance(trigger_id, str):
            await ack()
            return
        outcome = await self._handle(
            Interaction(
                actor,
                Kind.TEXT,
                name=str(command.get("text") or ""),
                delivery_key=f"slack:command:{trigger_id}",
            )
        )
        if outcome.replayed or outcome.view is None:
            await ack()
            return
        await ack(**ephemeral(outcome.view, outcome.form))
        if outcome.form is not None:
            await self._open_form(trigger_id, outcome.form)

    async def on_shortcut(self, ack: Any, shortcut: dict[str, Any]) -> None:
        """The global shortcut "Report a records request"."""
        await ack()
        actor = actor_of((shortcut.get("user") or {}).get("id"))
        trigger_id = shortcut.get("trigger_id")
        if actor is None or not isinstance(trigger_id, str):
            return
        key = f"slack:shortcut:{trigger_id}"
        outcome = await self._handle(Interaction(actor, Kind.SHORTCUT, delivery_key=key))
        await self._render(outcome, actor, trigger_id=trigger_id)

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        """The Home tab: how to report, for everyone, and the open cases they may see."""
        actor = actor_of(event.get("user"))
        if event.get("tab") != "home" or actor is None:
            return
        outcome = await self._handle(Interaction(actor, Kind.HOME))
        if not outcome.views:
            return
        try:
            await self.client.views_publish(user_id=actor.user_id, view=home_view(outcome.views))
        except SlackApiError as exc:
            log.warning("slack: home tab not published (%s)", _error_kind(exc))

    async def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A person's DM to the bot: its text is passed on only to pick a command."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        await self._text(body, event, channel=None)

    async def on_mention(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """An @mention: answered privately where it was made, never posted to the channel."""
        if event.get("bot_id"):
            return
        channel = str(event.get("channel") or "")
        await self._text(body, event, channel=None if channel.startswith("D") else channel)

    async def _text(self, body: dict[str, Any], event: dict[str, Any], *, channel: str | None):
        actor = actor_of(event.get("user"))
        if actor is None:
            return
        outcome = await self._handle(
            Interaction(
                actor, Kind.TEXT, name=str(event.get("text") or ""), delivery_key=_event_key(body)
            )
        )
        if outcome.replayed or outcome.view is None:
            return
        await self._ephemeral_or_dm(channel, actor.user_id, outcome.view, outcome.form)

    async def on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        """Every button: ack, then the interaction layer decides."""
        await ack()
        actor = actor_of((body.get("user") or {}).get("id"))
        if actor is None:
            return
        name = base_action(str(action.get("action_id") or ""))
        key = f"slack:action:{action.get('action_ts')}:{actor.user_id}:{name}"
        outcome = await self._handle(
            Interaction(
                actor,
                Kind.BUTTON,
                name=name,
                value=str(action.get("value") or ""),
                delivery_key=key if action.get("action_ts") else None,
            )
        )
        await self._render(outcome, actor, trigger_id=body.get("trigger_id"), pressed=body)

    async def on_form_submitted(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A submitted modal: a refusal is shown on its field; otherwise the DM gets it."""
        actor = actor_of((body.get("user") or {}).get("id"))
        if actor is None:
            await ack()
            return
        outcome = await self._handle(
            Interaction(
                actor,
                Kind.FORM,
                name=str(view.get("callback_id") or ""),
                value=str(view.get("private_metadata") or ""),
                fields=submitted_values(view),
            )  # no delivery key: Slack never retries a submission, and one may be resent
        )
        if outcome.refused and outcome.view is not None:
            block = _field_block(view, outcome.field)
            if block is not None:
                message = " ".join(outcome.view.lines) or outcome.view.title
                await ack(response_action="errors", errors={block: fit(message, ERROR_TEXT_MAX)})
                return
        await ack()
        # The case card itself comes from the pager, which keeps it current.
        await self._render(outcome, actor)

    # -- rendering an outcome --------------------------------------------------------------

    async def _render(
        self,
        outcome: Outcome,
        actor: Actor,
        *,
        trigger_id: object = None,
        pressed: dict[str, Any] | None = None,
    ) -> None:
        if outcome.replayed:
            return
        form, view = outcome.form, outcome.view
        opened = False
        if form is not None and isinstance(trigger_id, str):
            opened = await self._open_form(trigger_id, form)  # a message keeps its button too
        if view is None and form is not None and not opened:
            view = v.View(title=f"{form.title}: case {form.case_id}", case_id=form.case_id)
        if view is None:
            return
        if outcome.placement == Placement.IN_PLACE and pressed is not None:
            await self._replace_message(pressed, actor, view)
        elif outcome.placement == Placement.NOTE and pressed is not None:
            await self._ephemeral_or_dm(_channel_of(pressed), actor.user_id, view, None)
        else:
            await self._dm(actor.user_id, view, form)

    async def _open_form(self, trigger_id: str, form: v.Form) -> bool:
        try:
            await self.client.views_open(trigger_id=trigger_id, view=modal_view(form))
        except (SlackApiError, OSError, TimeoutError) as exc:
            # The message carries the form's button instead, so it is one click away.
            log.warning("case %s: form not opened (%s)", form.case_id, _error_kind(exc))
            return False
        return True

    async def _dm(self, user_id: str, view: v.View, form: v.Form | None) -> None:
        try:
            await self.client.chat_postMessage(channel=user_id, **message_args(view, form))
        except (SlackApiError, OSError, TimeoutError) as exc:
            log.warning("case %s: DM not sent (%s)", view.case_id, _error_kind(exc))

    async def _ephemeral_or_dm(
        self, channel: str | None, user_id: str, view: v.View, form: v.Form | None
    ) -> None:
        """Only the person sees it, where they are; in their DM if that cannot be done."""
        if channel:
            try:
                await self.client.chat_postEphemeral(
                    channel=channel, user=user_id, **message_args(view, form)
                )
                return
            except SlackApiError as exc:
                log.warning("slack: ephemeral answer failed (%s); sending a DM", _error_kind(exc))
        await self._dm(user_id, view, form)

    async def _replace_message(self, body: dict[str, Any], actor: Actor, view: v.View) -> None:
        """Show the new view where the button was: edit that message in place."""
        container = body.get("container") or {}
        if container.get("type") != "message":
            await self._dm(actor.user_id, view, None)
            return
        try:
            if container.get("is_ephemeral"):
                # Ephemeral messages cannot be edited with chat.update, only via response_url.
                await self._respond(body, actor, view)
            else:
                await self.client.chat_update(
                    channel=container["channel_id"],
                    ts=container["message_ts"],
                    **message_args(view, None),
                )
        except (SlackApiError, OSError, TimeoutError, KeyError) as exc:
            log.warning("case %s: message not updated (%s)", view.case_id, _error_kind(exc))

    async def _respond(self, body: dict[str, Any], actor: Actor, view: v.View) -> None:
        url = body.get("response_url")
        if not isinstance(url, str) or not url:
            await self._dm(actor.user_id, view, None)
            return
        webhook = AsyncWebhookClient(url, session=self.client.session)
        await webhook.send(
            replace_original=True, response_type="ephemeral", **message_args(view, None)
        )


def ephemeral(view: v.View, form: v.Form | None) -> dict[str, Any]:
    """An ack body that only the person who typed the command sees."""
    return {**message_args(view, form), "response_type": "ephemeral"}


def _field_block(view: dict[str, Any], field: str | None) -> str | None:
    """The modal block a refusal is about, or the first input when it names none."""
    blocks = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
    return field if field in blocks else first_input_block(view)


def _channel_of(body: dict[str, Any]) -> str | None:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return channel if isinstance(channel, str) else None


def _event_key(body: dict[str, Any]) -> str | None:
    """Slack repeats an event's event_id on every retried delivery of it."""
    event_id = body.get("event_id")
    return f"slack:event:{event_id}" if isinstance(event_id, str) and event_id else None


def _error_kind(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError) and exc.response is not None:
        return str(exc.response.get("error") or f"http_{exc.response.status_code}")
    return type(exc).__name__


async def _ack_only(ack: Any) -> None:
    await ack()


async def _ignore() -> None:
    return None


def register_listeners(bolt_app: AsyncApp, runtime: Runtime) -> SlackListeners:
    """Register every Slack listener on `bolt_app`; returns the object holding them."""
    listeners = SlackListeners(runtime, bolt_app.client)
    tracked = runtime.work.tracked
    bolt_app.command(runtime.services.settings.slack.command)(tracked(listeners.on_command))
    bolt_app.shortcut(SHORTCUT_CALLBACK_ID)(tracked(listeners.on_shortcut))
    bolt_app.event("app_home_opened")(tracked(listeners.on_home_opened))
    bolt_app.event("app_mention")(tracked(listeners.on_mention))
    bolt_app.event("message")(tracked(listeners.on_message))
    bolt_app.view(re.compile(".*"))(tracked(listeners.on_form_submitted))
    bolt_app.action(re.compile(".*"))(tracked(listeners.on_action))
    # Whatever else arrives is acknowledged quietly, so Slack neither retries nor shows an error.
    bolt_app.shortcut(re.compile(".*"))(tracked(_ack_only))
    bolt_app.event(re.compile(".*"))(tracked(_ignore))
    return listeners
