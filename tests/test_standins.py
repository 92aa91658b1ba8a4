"""The stand-ins are strict and speak what the real slack_sdk, Bolt and botbuilder send."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import pytest
from botbuilder.schema import (
    Activity,
    Attachment,
    ChannelAccount,
    ConversationParameters,
    ErrorResponseException,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.standins import payload_checks
from tests.standins.payload_checks import (
    ADAPTIVE_CARD_SCHEMA_URL,
    check_adaptive_card,
    check_blocks,
    check_teams_manifest,
    check_view,
)
from tests.standins.slack_api import SlackStandIn
from tests.standins.slack_signing import (
    event_body,
    interaction_body,
    sign_request,
    slash_command_body,
    slash_command_fields,
)
from tests.standins.teams_connector import ADAPTIVE_CARD, ConnectorStandIn

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-A0001-test"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn(token=BOT_TOKEN, app_token=APP_TOKEN) as stand_in:
        yield stand_in


@pytest.fixture
def client(slack: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)


@pytest.fixture
async def connector() -> AsyncIterator[ConnectorStandIn]:
    async with ConnectorStandIn() as stand_in:
        yield stand_in


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def modal(title: str = "Records request") -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [section("x")],
    }


def card(body: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "$schema": ADAPTIVE_CARD_SCHEMA_URL,
        "version": "1.5",
        "body": body if body is not None else [{"type": "TextBlock", "text": "Hi", "wrap": True}],
        "actions": [{"type": "Action.Submit", "title": "Acknowledge", "data": {"step": "ack"}}],
    }


async def slack_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value


# -- Slack Web API ---------------------------------------------------------------------------


async def test_post_message_is_served_and_recorded(slack: SlackStandIn, client: AsyncWebClient):
    reply = await client.chat_postMessage(channel="U123", text="hello", blocks=[section("hi")])
    assert reply["ok"] and reply["channel"] == "D123"
    second = await client.chat_postMessage(channel="C1", text="again")
    assert float(second["ts"]) > float(reply["ts"])
    call = await slack.wait_for("chat.postMessage")
    assert call.args["text"] == "hello" and call.args["blocks"] == [section("hi")]
    assert "token" not in call.args
    await client.chat_update(channel="D123", ts=reply["ts"], text="edited")
    assert slack.calls_to("chat.update")[0].args["ts"] == reply["ts"]


async def test_form_encoded_arguments_are_decoded(slack: SlackStandIn, client: AsyncWebClient):
    blocks = json.dumps([section("from a form")])
    await client.api_call("chat.postMessage", data={"channel": "C1", "blocks": blocks})
    assert slack.calls[-1].args["blocks"] == [section("from a form")]


async def test_unknown_method_is_refused(client: AsyncWebClient):
    error = await slack_error(client.api_call("chat.postMesage", json={"channel": "C1"}))
    assert error.response["error"] == "unknown_method"


async def test_tokens_are_checked(slack: SlackStandIn):
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=slack.api_url)
    assert (await slack_error(wrong.auth_test())).response["error"] == "invalid_auth"
    missing = AsyncWebClient(base_url=slack.api_url)
    assert (await slack_error(missing.auth_test())).response["error"] == "not_authed"
    assert slack.calls == []


async def test_token_in_a_json_body_is_not_read(slack: SlackStandIn):
    async with aiohttp.ClientSession() as session:
        body = {"token": BOT_TOKEN, "channel": "C1", "text": "hi"}
        async with session.post(slack.api_url + "chat.postMessage", json=body) as answer:
            assert (await answer.json())["error"] == "not_authed"


async def test_extra_methods_can_be_served(slack: SlackStandIn, client: AsyncWebClient):
    slack.handle("chat.getPermalink", lambda state, args: {"permalink": "https://x/p1"})
    link = await client.chat_getPermalink(channel="C1", message_ts="1.2")
    assert link["permalink"] == "https://x/p1"
    refused = await slack_error(
        client.api_call("conversations.replies", params={"channel": "C1", "ts": "1.2"})
    )
    assert refused.response["error"] == "method_not_served_by_standin"


async def test_missing_argument_is_named(client: AsyncWebClient):
    error = await slack_error(client.api_call("chat.postMessage", json={"text": "hi"}))
    assert error.response["error"] == "invalid_arguments"
    assert "channel" in error.response["response_metadata"]["messages"][0]
    with pytest.warns(UserWarning, match="text"):
        no_text = await slack_error(client.chat_postMessage(channel="C1"))
    assert no_text.response["error"] == "no_text"


async def test_invalid_blocks_are_refused(client: AsyncWebClient):
    error = await slack_error(
        client.chat_postMessage(channel="C1", text="x", blocks=[section("x" * 3001)])
    )
    assert error.response["error"] == "invalid_blocks"


async def test_rate_limit_is_retried_by_the_sdk(slack: SlackStandIn):
    handler = AsyncRateLimitErrorRetryHandler(max_retry_count=1)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url, retry_handlers=[handler])
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    reply = await client.chat_postMessage(channel="C1", text="after the limit")
    assert reply["ok"]
    assert [(f.method, f.status) for f in slack.faults] == [("chat.postMessage", 429)]
    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_server_error_surfaces(slack: SlackStandIn, client: AsyncWebClient):
    slack.fail_next(None, status=500)
    error = await slack_error(client.chat_postMessage(channel="C1", text="x"))
    assert error.response.status_code == 500 and error.response["error"] == "internal_error"
    assert (await client.chat_postMessage(channel="C1", text="x"))["ok"]


async def test_stall_makes_the_client_time_out(slack: SlackStandIn):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url, timeout=1)
    slack.stall(3, count=1)
    with pytest.raises(asyncio.TimeoutError):
        await client.auth_test()


async def test_trigger_ids_expire_and_are_single_use():
    async with SlackStandIn(token=BOT_TOKEN, trigger_ttl=0.2) as slack:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
        fresh = slack.new_trigger_id()
        opened = await client.views_open(trigger_id=fresh, view=modal())
        assert opened["view"]["id"].startswith("V")
        reused = await slack_error(client.views_open(trigger_id=fresh, view=modal()))
        assert reused.response["error"] == "exchanged_trigger_id"
        stale = slack.new_trigger_id()
        await asyncio.sleep(0.3)
        expired = await slack_error(client.views_open(trigger_id=stale, view=modal()))
        assert expired.response["error"] == "expired_trigger_id"
        made_up = await slack_error(client.views_open(trigger_id="1.2.3", view=modal()))
        assert made_up.response["error"] == "invalid_trigger_id"


async def test_wait_for_timeout_names_what_was_seen(slack: SlackStandIn, client: AsyncWebClient):
    await client.auth_test()
    with pytest.raises(TimeoutError, match=r"auth\.test"):
        await slack.wait_for("views.open", timeout=0.2)


async def test_response_url_takes_json_only(slack: SlackStandIn):
    url = slack.new_response_url()
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data="text=hi") as refused:
            assert refused.status == 400
        async with session.post(url, json={"text": "hi", "response_type": "ephemeral"}) as ok:
            assert ok.status == 200
    assert slack.responses == [{"text": "hi", "response_type": "ephemeral"}]


# -- Socket Mode -----------------------------------------------------------------------------


async def test_bolt_socket_mode_gets_a_slash_command_and_acks(slack: SlackStandIn):
    app = AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url))

    @app.command("/records-request")
    async def on_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack(f"Received: {command['text']}")
        await respond("Opening a case")

    handler = AsyncSocketModeHandler(app, app_token=APP_TOKEN)
    await handler.connect_async()
    try:
        fields = slash_command_fields(
            text="subpoena",
            trigger_id=slack.new_trigger_id(),
            response_url=slack.new_response_url(),
        )
        envelope_id = await slack.socket_send("slash_commands", fields, True)
        ack = await slack.socket_wait_ack(envelope_id)
        assert ack == {"envelope_id": envelope_id, "payload": {"text": "Received: subpoena"}}
        assert (await slack.wait_for_response())["text"] == "Opening a case"
    finally:
        await handler.close_async()
    assert slack.calls_to("apps.connections.open")


async def test_socket_url_needs_the_app_token(slack: SlackStandIn, client: AsyncWebClient):
    error = await slack_error(client.apps_connections_open(app_token=BOT_TOKEN))
    assert error.response["error"] == "invalid_auth"


# -- request signing -------------------------------------------------------------------------


def test_signatures_verify_and_tampering_fails():
    body = slash_command_body(text="subpoena for patron 42")
    headers = sign_request(body, SECRET)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + b"&x=1", headers)
    assert not SignatureVerifier("another-secret").is_valid_request(body, headers)
    assert parse_qs(body.decode())["command"] == ["/records-request"]


def test_body_builders_match_slack_shapes():
    payload = {"type": "block_actions", "actions": [{"action_id": "ack"}]}
    assert json.loads(parse_qs(interaction_body(payload).decode())["payload"][0]) == payload
    envelope = json.loads(event_body({"type": "app_mention", "text": "hi"}, event_id="Ev9"))
    assert envelope["type"] == "event_callback" and envelope["event_id"] == "Ev9"
    assert envelope["authorizations"][0]["user_id"] == "UBOT"


async def test_bolt_accepts_a_signed_command_and_refuses_a_forged_one(slack: SlackStandIn):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
    app = AsyncApp(client=client, signing_secret=SECRET)

    @app.command("/records-request")
    async def on_command(ack: Any) -> None:
        await ack()

    body = slash_command_body(response_url=slack.new_response_url())
    signed = await app.async_dispatch(
        AsyncBoltRequest(body=body.decode(), headers=sign_request(body, SECRET))
    )
    assert signed.status == 200
    forged = sign_request(body, "not-the-secret")
    assert (
        await app.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=forged))
    ).status == 401


# -- Teams Connector -------------------------------------------------------------------------


def bot_client(connector: ConnectorStandIn) -> ConnectorClient:
    return ConnectorClient(MicrosoftAppCredentials("", ""), base_url=connector.service_url)


async def test_botbuilder_sends_and_updates(connector: ConnectorStandIn):
    conversation = "a:1abc-conversation"
    async with bot_client(connector) as client:
        sent = await client.conversations.send_to_conversation(
            conversation, Activity(type="message", text="New records demand")
        )
        attachment = Attachment(content_type=ADAPTIVE_CARD, content=card())
        update = Activity(type="message", id=sent.id, attachments=[attachment])
        await client.conversations.update_activity(conversation, sent.id, update)
    assert [r.kind for r in connector.activities] == ["send", "update"]
    updated = await connector.wait_for("update")
    assert updated.activity_id == sent.id and updated.conversation_id == conversation
    assert updated.body["attachments"][0]["content"]["version"] == "1.5"


async def test_connector_is_strict(connector: ConnectorStandIn):
    async with bot_client(connector) as client:
        bad_card = Attachment(content_type=ADAPTIVE_CARD, content=card([{"type": "TextBlock"}]))
        with pytest.raises(ErrorResponseException, match="'text' is a required property"):
            await client.conversations.send_to_conversation(
                "a:1x", Activity(type="message", attachments=[bad_card])
            )
        with pytest.raises(ErrorResponseException):
            await client.conversations.send_to_conversation("a:1x", Activity(type="message"))
        with pytest.raises(ErrorResponseException, match="Unknown activity"):
            await client.conversations.update_activity(
                "a:1x", "never-issued", Activity(type="message", text="x")
            )
    assert connector.activities == [] and len(connector.rejected) == 3


async def test_connector_creates_conversations_and_finds_members(connector: ConnectorStandIn):
    connector.add_member("29:1officer", name="Records Officer")
    async with bot_client(connector) as client:
        params = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id="28:bot"),
            members=[ChannelAccount(id="29:1officer")],
            tenant_id="tenant-1",
        )
        created = await client.conversations.create_conversation(params)
        member = await client.conversations.get_conversation_member(created.id, "29:1officer")
        connector.fail_next(1, status=503)
        with pytest.raises(ErrorResponseException):
            await client.conversations.send_to_conversation(
                created.id, Activity(type="message", text="hi")
            )
    assert created.id.startswith("a:") and member.name == "Records Officer"
    assert connector.of_kind("create")[0].body["members"] == [{"id": "29:1officer"}]


# -- payload checks --------------------------------------------------------------------------


def test_block_checks_accept_a_good_message():
    button = {"type": "button", "action_id": "ack", "text": {"type": "plain_text", "text": "OK"}}
    check_blocks(
        [
            {"type": "header", "text": {"type": "plain_text", "text": "Demand", "emoji": True}},
            section("A *subpoena* arrived"),
            {"type": "actions", "block_id": "steps", "elements": [button]},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "case 7"}]},
        ],
        surface="message",
    )


@pytest.mark.parametrize(
    ("blocks", "problem"),
    [
        ([{"type": "divider"}] * 51, "51 blocks"),
        ([section("x" * 3001)], "3000"),
        ([section("")], "non-empty"),
        ([{**section("x"), "acton_id": "typo"}], "unknown keys"),
        ([{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}], "unique"),
        ([{"type": "callout"}], "unknown block type"),
    ],
)
def test_block_checks_refuse(blocks: list[dict[str, Any]], problem: str):
    with pytest.raises(AssertionError, match=problem):
        check_blocks(blocks, surface="message")


def test_view_checks():
    check_view(modal())
    check_blocks([section("x")] * 100, surface="modal")
    with pytest.raises(AssertionError, match="title"):
        check_view(modal("A title longer than 24 chars"))
    with pytest.raises(AssertionError, match="submit"):
        check_view(
            {
                **modal(),
                "blocks": [
                    {
                        "type": "input",
                        "label": {"type": "plain_text", "text": "Why"},
                        "element": {"type": "plain_text_input", "action_id": "why"},
                    }
                ],
            }
        )


def test_adaptive_card_checks():
    check_adaptive_card(card())
    with pytest.raises(AssertionError, match="body/0"):
        check_adaptive_card(card([{"type": "TextBlock"}]))
    with pytest.raises(AssertionError, match="version"):
        check_adaptive_card({**card(), "version": "1.6"})


def test_teams_manifest_check():
    manifest = {
        "$schema": "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json",
        "manifestVersion": "1.17",
        "version": "1.0.0",
        "id": "6f2c2d3e-2b8a-4f4e-9a57-0d5b1f1e2a10",
        "developer": {
            "name": "Library IT",
            "websiteUrl": "https://library.example.org",
            "privacyUrl": "https://library.example.org/privacy",
            "termsOfUseUrl": "https://library.example.org/terms",
        },
        "name": {"short": "PatronGuard", "full": "PatronGuard records demand helper"},
        "description": {"short": "Records demand help", "full": "Guides staff through demands."},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#FFFFFF",
    }
    check_teams_manifest(manifest)
    with pytest.raises(AssertionError, match="name"):
        check_teams_manifest({**manifest, "name": {}})


def test_specs_live_inside_the_repository(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    repo = Path(payload_checks.__file__).resolve().parents[2]
    assert payload_checks.specs_dir() == repo / "tests" / "specs"
    monkeypatch.setattr(payload_checks, "SPECS_DIR", tmp_path / "absent")
    payload_checks.load_spec.cache_clear()
    try:
        with pytest.raises(payload_checks.SpecMissing, match=r"SOURCES\.md"):
            payload_checks.load_spec("adaptive-card-1.5.schema.json")
    finally:
        payload_checks.load_spec.cache_clear()


async def test_a_stand_in_without_its_spec_fails_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setattr(payload_checks, "SPECS_DIR", tmp_path / "absent")
    for cached in (payload_checks.load_spec, payload_checks._adaptive_card_validator):
        cached.cache_clear()
    try:
        with pytest.raises(payload_checks.SpecMissing):
            async with SlackStandIn():
                pass
    finally:
        for cached in (payload_checks.load_spec, payload_checks._adaptive_card_validator):
            cached.cache_clear()


async def test_message_metadata_comes_back_only_when_asked_for(client: AsyncWebClient):
    metadata = {"event_type": "patronguard_page", "event_payload": {"pages": [7, 8]}}
    sent = await client.chat_postMessage(channel="U0OFFICER", text="page", metadata=metadata)
    plain = await client.conversations_history(channel=sent["channel"])
    assert "metadata" not in plain["messages"][0]
    full = await client.conversations_history(channel=sent["channel"], include_all_metadata=True)
    assert full["messages"][0]["metadata"] == metadata
    bad = {"event_type": "has spaces", "event_payload": {}}
    refused = await slack_error(
        client.chat_postMessage(channel="U0OFFICER", text="x", metadata=bad)
    )
    assert refused.response["error"] == "invalid_metadata_format"
