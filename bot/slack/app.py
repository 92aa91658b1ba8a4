"""Slack listeners: payloads in, handler calls, Block Kit out. No procedure logic lives here.

`register_listeners` puts every listener on a Bolt app in one place. Each listener acks first
(the slash command acks with step 1's guidance, so its case is opened and paged before the
ack), then calls a channel-neutral handler and renders what it returns. Anything about a case
goes only to the person acting: an ephemeral message, a DM, a modal or their Home tab; never
a shared channel. Message text typed by staff is never read, logged or stored.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.server import Runtime
from bot.slack.blocks import (
    base_action,
    first_input_block,
    fit,
    home_view,
    invalid_block,
    message_args,
    modal_view,
    submitted_values,
)
from bot.slack.manifest import SHORTCUT_CALLBACK_ID
from handlers import views as v
from handlers.acknowledge import acknowledge_page
from handlers.actors import Actor
from handlers.cases import (
    close_case,
    close_form_for,
    intake_form_for,
    intake_from_answers,
    report_inquiry,
    show_case,
    status,
    submit_intake,
)
from handlers.help import help_view
from handlers.holds import release_hold
from handlers.reports import report_summary
from handlers.review import complete_review
from handlers.services import Services
from handlers.steps import mark_step

log = logging.getLogger("patronguard.slack")

ANSWERED_KEYS_KEPT = 2048
ERROR_TEXT_MAX = 1000
FAILED_TO_RECORD = v.View(
    title="PatronGuard could not record this just now",
    lines=("Disclose nothing, and phone your responsible officer now.",),
    tone=v.WARNING,
)
UNKNOWN_ACTION = v.View(
    title="That button is not one PatronGuard knows",
    lines=(
        "It may be from an older message. Nothing was changed. "
        "Use the slash command with `help` to see what you can do.",
    ),
    tone=v.INFO,
)


class SlackListeners:
    """What every listener shares: the handlers' services and the Slack Web API client."""

    def __init__(self, runtime: Runtime, client: AsyncWebClient, command: str):
        self.runtime = runtime
        self.client = client
        self.command = command
        # Keys of reports already answered, so a retried event is not answered twice.
        self._answered: OrderedDict[str, None] = OrderedDict()

    @property
    def services(self) -> Services:
        return self.runtime.services

    # -- ways in -------------------------------------------------------------------------

    async def on_command(self, ack: Any, command: dict[str, Any]) -> None:
        """`/records-request [help|drill|status|report]`; anything else reports a request."""
        actor = Actor("slack", command["user_id"])
        words = (command.get("text") or "").split()
        sub = words[0].lower() if words else ""
        if sub == "help":
            reply = help_view(self.services, actor, command=self.command)
        elif sub == "status":
            reply = await _safely(status(self.services, actor))
        elif sub == "report":
            reply = await _safely(report_summary(self.services, actor))
        else:
            # Any other text still reports: a mistyped word must not lose a real request.
            trigger_id = command["trigger_id"]
            reply = await self._report(
                actor, key=f"slack:command:{trigger_id}", drill=sub == "drill"
            )
            await ack(**ephemeral(reply))
            if reply.form is not None:
                await self._open_form(trigger_id, reply.form)
            return
        await ack(**ephemeral(reply))

    async def on_shortcut(self, ack: Any, shortcut: dict[str, Any]) -> None:
        """The global shortcut "Report a records request": report, open the form, DM guidance."""
        await ack()
        user_id = shortcut["user"]["id"]
        trigger_id = shortcut["trigger_id"]
        reply = await self._report(Actor("slack", user_id), key=f"slack:shortcut:{trigger_id}")
        if reply.form is not None:
            await self._open_form(trigger_id, reply.form)
        await self._dm(user_id, reply)

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        """The Home tab: how to report for everyone, and the open cases the handler shows them."""
        if event.get("tab") != "home":
            return
        actor = Actor("slack", event["user"])
        views = [
            help_view(self.services, actor, command=self.command).view,
            (await _safely(status(self.services, actor))).view,
        ]
        try:
            await self.client.views_publish(user_id=actor.user_id, view=home_view(views))
        except SlackApiError as exc:
            log.warning("slack: home tab not published (%s)", _error_kind(exc))

    async def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A person's DM to the bot starts a report. The text itself is never read."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        if not event.get("user"):
            return
        await self._report_privately(event["user"], key=_event_key(body))

    async def on_mention(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """An @mention starts a report; the answer is ephemeral, never posted to the channel."""
        if not event.get("user") or event.get("bot_id"):
            return
        channel = str(event.get("channel") or "")
        await self._report_privately(
            event["user"],
            key=_event_key(body),
            channel=None if channel.startswith("D") else channel,
        )

    async def on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        """Every button: ack, then the handler for its action id; unknown ones get a kind word."""
        await ack()
        try:
            await self._act(body, action)
        except Exception as exc:  # a button must never fail silently
            log.error("slack: button failed (%s)", type(exc).__name__)
            await self._tell(body, FAILED_TO_RECORD)

    async def _act(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        name = base_action(str(action.get("action_id") or ""))
        value = str(action.get("value") or "")
        user_id = body["user"]["id"]
        actor = Actor("slack", user_id)
        services = self.services
        reply: v.Reply | None = None
        if name == v.ACK_PAGE:
            reply = await acknowledge_page(services, actor, value)
        elif name in (v.STEP_DONE, v.STEP_NOT_APPLICABLE) and ":" in value:
            case_id, step_id = value.split(":", 1)
            state = "done" if name == v.STEP_DONE else "not_applicable"
            reply = await mark_step(services, actor, case_id, step_id, state=state)
        elif name == v.RELEASE_HOLD:
            reply = await release_hold(services, actor, value)
        elif name == v.REVIEW_DONE:
            reply = await complete_review(services, actor, value)
        elif name in (v.OPEN_INTAKE, v.OPEN_CLOSE):
            opener = intake_form_for if name == v.OPEN_INTAKE else close_form_for
            opened = await opener(services, actor, value)
            if opened.refused or opened.form is None:
                await self._tell(body, opened.view)
            else:
                await self._open_form(body["trigger_id"], opened.form)
            return
        elif name == v.OPEN_CASE:
            shown = await show_case(services, actor, value)
            await (self._tell(body, shown.view) if shown.refused else self._dm(user_id, shown))
            return
        elif name == v.REPORT:
            key = f"slack:action:{action.get('action_ts')}:{user_id}:{name}"
            reported = await self._report(actor, key=key)
            if reported.form is not None:
                await self._open_form(body["trigger_id"], reported.form)
            await self._dm(user_id, reported)
            return
        if reply is None:
            await self._tell(body, UNKNOWN_ACTION)
        elif reply.refused:
            await self._tell(body, reply.view)
        else:
            await self._replace_message(body, reply)

    async def on_intake_submitted(
        self, ack: Any, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """The intake modal: record it; a refusal is shown on the field, else the DM gets it."""
        details = intake_from_answers(submitted_values(view))
        actor = Actor("slack", body["user"]["id"])
        case_id = view.get("private_metadata", "")
        reply = await _safely(submit_intake(self.services, actor, case_id, details))
        await self._finish_form(ack, view, actor, reply)

    async def on_close_submitted(
        self, ack: Any, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """The close modal: officers close the case; the refusal says which steps remain."""
        answers = submitted_values(view)
        outcome, summary = answers.get("outcome") or "", answers.get("summary") or ""
        actor = Actor("slack", body["user"]["id"])
        case_id = view.get("private_metadata", "")
        reply = await _safely(close_case(self.services, actor, case_id, outcome, summary=summary))
        await self._finish_form(ack, view, actor, reply)

    # -- helpers ---------------------------------------------------------------------------

    async def _report(self, actor: Actor, *, key: str | None, drill: bool = False) -> v.Reply:
        services = self.services
        reply = await _safely(report_inquiry(services, actor, drill=drill, idempotency_key=key))
        if reply.case_id:
            log.info("case %s: reported in slack", reply.case_id)
        return reply

    async def _report_privately(
        self, user_id: str, *, key: str | None, channel: str | None = None
    ) -> None:
        if key is not None:
            if key in self._answered:
                return  # a retried delivery of an event already answered: the case paged once
            # Claimed before the first await: a retry can arrive while the original is in hand.
            self._answered[key] = None
            while len(self._answered) > ANSWERED_KEYS_KEPT:
                self._answered.popitem(last=False)
        reply = await self._report(Actor("slack", user_id), key=key)
        await self._ephemeral_or_dm(channel, user_id, reply)

    async def _finish_form(
        self, ack: Any, view: dict[str, Any], actor: Actor, reply: v.Reply
    ) -> None:
        if reply.refused:
            block = invalid_block(view) or first_input_block(view)
            if block is not None:
                message = " ".join(reply.view.lines) or reply.view.title
                await ack(response_action="errors", errors={block: fit(message, ERROR_TEXT_MAX)})
                return
        await ack()
        # The reply goes to the DM; the case card itself comes from the pager, which keeps it
        # current. Only the view is posted: a card in reply.extra would be a stale duplicate.
        await self._dm(actor.user_id, v.Reply(view=reply.view, case_id=reply.case_id))

    async def _open_form(self, trigger_id: str, form: v.Form) -> bool:
        try:
            await self.client.views_open(trigger_id=trigger_id, view=modal_view(form))
        except (SlackApiError, OSError, TimeoutError) as exc:
            # The answer already carries an "Add details" button, so the form is one click away.
            log.warning("case %s: form not opened (%s)", form.case_id, _error_kind(exc))
            return False
        return True

    async def _dm(self, user_id: str, reply: v.Reply) -> None:
        try:
            await self.client.chat_postMessage(channel=user_id, **message_args(reply))
        except (SlackApiError, OSError, TimeoutError) as exc:
            log.warning("case %s: DM not sent (%s)", reply.case_id, _error_kind(exc))

    async def _tell(self, body: dict[str, Any], view: v.View) -> None:
        """A private note to the person who clicked, where they clicked; the message stays."""
        user_id = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        await self._ephemeral_or_dm(channel, user_id, v.Reply(view=view, case_id=view.case_id))

    async def _ephemeral_or_dm(self, channel: str | None, user_id: str, reply: v.Reply) -> None:
        """Only the person sees it, where they are; in their DM if that cannot be done."""
        if channel:
            try:
                await self.client.chat_postEphemeral(
                    channel=channel, user=user_id, **message_args(reply)
                )
                return
            except SlackApiError as exc:
                log.warning("slack: ephemeral answer failed (%s); sending a DM", _error_kind(exc))
        await self._dm(user_id, reply)

    async def _replace_message(self, body: dict[str, Any], reply: v.Reply) -> None:
        """Show the handler's new view where the button was: edit that message in place."""
        container = body.get("container") or {}
        if container.get("type") != "message":
            await self._dm(body["user"]["id"], reply)
            return
        try:
            if container.get("is_ephemeral"):
                # Ephemeral messages cannot be edited with chat.update, only via response_url.
                await self._respond(body, reply)
            else:
                await self.client.chat_update(
                    channel=container["channel_id"],
                    ts=container["message_ts"],
                    **message_args(reply),
                )
        except (SlackApiError, OSError, TimeoutError) as exc:
            log.warning("case %s: message not updated (%s)", reply.case_id, _error_kind(exc))

    async def _respond(self, body: dict[str, Any], reply: v.Reply) -> None:
        url = body.get("response_url")
        if not url:
            await self._dm(body["user"]["id"], reply)
            return
        webhook = AsyncWebhookClient(url, session=self.client.session)
        await webhook.send(replace_original=True, response_type="ephemeral", **message_args(reply))


def ephemeral(reply: v.Reply) -> dict[str, Any]:
    """An ack body that only the person who typed the command sees."""
    return {**message_args(reply), "response_type": "ephemeral"}


async def _safely(call: Awaitable[v.Reply]) -> v.Reply:
    """The handler's reply, or a calm "phone your officer" if it failed (database down...)."""
    try:
        return await call
    except Exception as exc:  # staff must always get an answer
        log.error("slack: handler failed (%s)", type(exc).__name__)
        return v.Reply(view=FAILED_TO_RECORD, refused=True)


def _event_key(body: dict[str, Any]) -> str | None:
    """Slack repeats an event's event_id on every retried delivery of it."""
    event_id = body.get("event_id")
    return f"slack:event:{event_id}" if event_id else None


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
    command = runtime.services.settings.slack.command
    listeners = SlackListeners(runtime, bolt_app.client, command)
    bolt_app.command(command)(listeners.on_command)
    bolt_app.shortcut(SHORTCUT_CALLBACK_ID)(listeners.on_shortcut)
    bolt_app.event("app_home_opened")(listeners.on_home_opened)
    bolt_app.event("app_mention")(listeners.on_mention)
    bolt_app.event("message")(listeners.on_message)
    bolt_app.view("intake")(listeners.on_intake_submitted)
    bolt_app.view("close")(listeners.on_close_submitted)
    bolt_app.action(re.compile(".*"))(listeners.on_action)
    # Whatever else arrives is acknowledged quietly, so Slack neither retries nor shows an error.
    bolt_app.shortcut(re.compile(".*"))(_ack_only)
    bolt_app.view(re.compile(".*"))(_ack_only)
    bolt_app.event(re.compile(".*"))(_ignore)
    return listeners
