"""The whole flow in Teams, over real HTTP: activities in, cards and pages out to the stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from handlers.clock import FakeClock
from storage import cases, conversations, demands
from tests.standins.teams_connector import TENANT_ID
from tests.teams_harness import (
    BOT_ID,
    DANA,
    SAM,
    STAFF,
    TeamsHarness,
    card_text,
    cards_of,
    teams_settings,
)

INTAKE = {
    "presented": "nothing",
    "signed_by": "none",
    "received_via": "in_person",
    "requester_kind": "police",
    "waiting_now": "yes",
    "record_category": "circulation",
    "agency": "County Sheriff",
}


@pytest.fixture
async def teams(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[TeamsHarness]:
    async with TeamsHarness.running(
        teams_settings(settings), tmp_path / "pg.db", clock=clock, background_pager=False
    ) as harness:
        for user in (DANA, SAM, STAFF):
            assert await harness.install(user) == 201
        yield harness
        assert harness.check_every_card() > 0


async def report(teams: TeamsHarness, presented: str, **intake: str) -> str:
    """Staff report in personal chat and fill in the intake card; return the case id."""
    assert await teams.say(STAFF, "There is an officer at the desk asking about a patron") == 201
    [form] = teams.find(STAFF, lambda text: "Send to officer" in text)
    signed = "none" if presented in ("nothing", "threat", "emergency", "not_sure") else "court"
    inputs = {**INTAKE, "presented": presented, "signed_by": signed, **intake}
    assert await teams.press(STAFF, form, "Send to officer", inputs=inputs) == 201
    await teams.runtime.pager.run_once()  # the case card reaches the reporter through the pager
    [case_id] = teams.read(lambda db: [r["id"] for r in db["cases"].rows])
    return case_id


async def test_report_gets_guidance_and_intake_card_and_pages_the_officer(
    settings: Settings, tmp_path: Path
) -> None:
    """The issue's "done when": the pager runs in the server, as under `patronguard serve`."""
    async with TeamsHarness.running(teams_settings(settings), tmp_path / "pg.db") as teams:
        await teams.install(DANA)
        assert await teams.say(STAFF, "someone wants to know what a patron borrowed") == 201
        replies = [r for r in teams.sent_to(STAFF) if r.kind == "reply"]
        texts = [card_text(c) for r in replies for c in cards_of(r)]
        assert len(texts) == 2
        assert "what to do now" in texts[0] and "Do not" in texts[0]
        assert "What did they present?" in texts[1] and "No personal details" in texts[1]
        page = await teams.wait_for_card(DANA, lambda text: "Acknowledge" in text)
        assert "Records request" in card_text(cards_of(page)[0])
        teams.check_every_card()


async def test_verbal_demand_is_logged_and_walks_step_five(teams: TeamsHarness) -> None:
    case_id = await report(teams, "nothing")
    logged = teams.read(lambda db: demands.demands_between(db, "0", "9"))
    assert [(d["case_id"], d["presented"], d["record_category"]) for d in logged] == [
        (case_id, "nothing", "circulation")
    ]
    [case_card] = teams.find(STAFF, lambda text: "Report the threat" in text and "Done" in text)
    text = card_text(cards_of(case_card)[0])
    assert "Nothing, or a verbal or informal request" in text


async def test_subpoena_puts_the_case_on_hold_with_its_wording(teams: TeamsHarness) -> None:
    case_id = await report(teams, "subpoena")
    case = teams.read(lambda db: cases.get_case(db, case_id))
    assert case.legal_hold == 1 and case.restricted == 0
    assert teams.read(lambda db: demands.demands_between(db, "0", "9")) == []
    [card] = teams.find(STAFF, lambda text: f"Case {case_id}: A subpoena" in text)
    text = card_text(cards_of(card)[0])
    assert "Suspend routine destruction" in text and "Have counsel check the process" in text


async def test_warrant_pages_counsel_at_once_as_urgent(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    from tests.teams_harness import COUNSEL

    async with TeamsHarness.running(
        teams_settings(settings, counsel=True),
        tmp_path / "pg.db",
        clock=clock,
        background_pager=False,
    ) as teams:
        for user in (DANA, COUNSEL, STAFF):
            await teams.install(user)
        case_id = await report(teams, "search_warrant")
        await teams.runtime.pager.run_once()
        [page] = teams.find(COUNSEL, lambda text: f"case {case_id}" in text, kinds=("send",))
        text = card_text(cards_of(page)[0])
        assert "URGENT" in text and "A search warrant" in text and "paged as counsel" in text
        assert teams.find(DANA, lambda text: f"case {case_id}" in text, kinds=("send",))
        teams.check_every_card()


def channel_conversation() -> dict[str, object]:
    return {
        "id": "19:general@thread.tacv2;messageid=1700000000001",
        "conversationType": "channel",
        "isGroup": True,
        "tenantId": TENANT_ID,
    }


def mention(teams: TeamsHarness, user: str, words: str) -> dict[str, object]:
    """An @mention of the bot in a team channel, as Teams sends it."""
    tag = "<at>PatronGuard</at>"
    return teams.activity(
        user,
        conversation=channel_conversation(),
        text=f"{tag} {words}",
        entities=[
            {"type": "mention", "mentioned": {"id": BOT_ID, "name": "PatronGuard"}, "text": tag}
        ],
        channelData={
            "tenant": {"id": TENANT_ID},
            "team": {"id": "19:team@thread.tacv2"},
            "channel": {"id": "19:general@thread.tacv2"},
        },
    )


async def test_channel_mention_moves_to_personal_chat_and_gagged_order_stays_private(
    teams: TeamsHarness,
) -> None:
    newcomer = "29:1channel-newcomer"
    assert await teams.post(mention(teams, newcomer, "agents here with a sealed order")) == 201
    [created] = teams.connector.of_kind("create")
    assert created.body["members"] == [{"id": newcomer}] and not created.body.get("isGroup")
    teams.personal[newcomer] = created.conversation_id
    [form] = teams.find(newcomer, lambda text: "Send to officer" in text)
    inputs = {**INTAKE, "presented": "gagged_order", "requester_kind": "federal_agent"}
    assert await teams.press(newcomer, form, "Send to officer", inputs=inputs) == 201
    after_intake = len(teams.sent_to(newcomer))
    await teams.runtime.pager.run_once()
    [case_id] = teams.read(lambda db: [r["id"] for r in db["cases"].rows])
    assert teams.read(lambda db: cases.get_case(db, case_id)).restricted == 1

    # The channel saw one neutral line and nothing else.
    in_channel = [r for r in teams.sent() if r.conversation_id.startswith("19:")]
    assert [(r.kind, r.body.get("text"), r.body.get("attachments")) for r in in_channel] == [
        ("reply", "I've sent you a private message.", None)
    ]
    private = {teams.personal[u] for u in (DANA, SAM, STAFF, newcomer)}
    assert {r.conversation_id for r in teams.sent() if r not in in_channel} <= private

    # The reporter learns only whom they may tell; the officer's page has no details.
    [guidance] = cards_of(teams.sent_to(newcomer)[after_intake - 1])
    assert "Federal agent" not in card_text(guidance) and "nondisclosure" not in card_text(guidance)
    for record in teams.sent_to(newcomer)[after_intake:]:
        for card in cards_of(record):
            text = card_text(card)
            assert "Tell no one about this request except the responsible officer" in text
            assert "nondisclosure" not in text and "Federal agent" not in text
    [page] = teams.find(DANA, lambda text: f"Case {case_id}" in text, kinds=("send",))
    page_text = card_text(cards_of(page)[0])
    assert "RESTRICTED" in page_text and "Open it privately" in page_text
    assert "Federal agent" not in page_text and "County Sheriff" not in page_text

    # Opened by the officer, the case shows everything, but notifications show only its id.
    assert await teams.press(DANA, page, "Open case") == 201
    [opened] = teams.find(DANA, lambda text: "nondisclosure" in text, kinds=("reply",))
    assert opened.body["summary"] == f"[RESTRICTED] Case {case_id}"
    assert cards_of(opened)[0]["fallbackText"] == f"[RESTRICTED] Case {case_id}"


async def test_no_acknowledgement_escalates_to_the_next_officer(
    teams: TeamsHarness, clock: FakeClock, settings: Settings
) -> None:
    case_id = await report(teams, "subpoena")
    await teams.runtime.pager.run_once()
    assert teams.find(DANA, lambda text: f"case {case_id}" in text, kinds=("send",))
    assert not teams.find(SAM, lambda text: case_id in text)
    clock.advance(settings.escalation.ack_timeout)
    await teams.runtime.pager.run_once()
    [page] = teams.find(SAM, lambda text: f"case {case_id}" in text, kinds=("send",))
    assert "Acknowledge" in card_text(cards_of(page)[0])
    # Twice through Dana and Sam with no answer: the reporter is told whom to phone.
    clock.advance(settings.escalation.ack_timeout * 3)
    await teams.runtime.pager.run_once()
    [notice] = teams.find(STAFF, lambda text: "no officer has acknowledged" in text)
    assert "+1 555 010 0101" in card_text(cards_of(notice)[0])


async def test_acknowledging_updates_the_page_and_the_reporters_card(
    teams: TeamsHarness, clock: FakeClock, settings: Settings
) -> None:
    case_id = await report(teams, "subpoena")
    await teams.runtime.pager.run_once()
    [page] = teams.find(DANA, lambda text: f"case {case_id}" in text, kinds=("send",))
    [reporter_card] = teams.find(STAFF, lambda text: f"Case {case_id}" in text, kinds=("send",))
    assert await teams.press(DANA, page, "Acknowledge") == 201
    [edited] = [r for r in teams.sent_to(DANA) if r.kind == "update"]
    assert edited.activity_id == page.activity_id
    assert "acknowledged by Dana Whitfield" in card_text(cards_of(edited)[0])
    await teams.runtime.pager.run_once()
    refreshed = [
        r
        for r in teams.sent_to(STAFF)
        if r.kind == "update" and r.activity_id == reporter_card.activity_id
    ]
    assert refreshed and "Dana Whitfield at" in card_text(cards_of(refreshed[-1])[0])
    assert teams.find(STAFF, lambda text: "the officer has acknowledged" in text, kinds=("send",))
    # Escalation stopped: nobody else is paged later.
    clock.advance(settings.escalation.ack_timeout * 10)
    await teams.runtime.pager.run_once()
    assert not teams.find(SAM, lambda text: case_id in text)


async def test_a_repeated_activity_is_handled_once(teams: TeamsHarness) -> None:
    message = teams.activity(STAFF, text="an officer wants records")
    assert await teams.post(message) == 201
    assert await teams.post(message) == 201
    assert teams.count("cases") == 1
    await teams.runtime.pager.run_once()
    assert len(teams.find(DANA, lambda text: "Acknowledge" in text, kinds=("send",))) == 1
    assert len([r for r in teams.sent_to(STAFF) if r.kind == "reply"]) == 2

    [case_id] = teams.read(lambda db: [r["id"] for r in db["cases"].rows])
    [form] = teams.find(STAFF, lambda text: "Send to officer" in text)
    await teams.press(STAFF, form, "Send to officer", inputs=INTAKE)
    await teams.runtime.pager.run_once()
    [card] = teams.find(STAFF, lambda text: f"Case {case_id}: Nothing" in text)
    for _ in range(2):
        pressed = await teams.press(STAFF, card, "Done", value_has=":refer", activity_id="1999")
        assert pressed == 201
    assert len([r for r in teams.sent_to(STAFF) if r.kind == "update"]) == 1
    events = teams.read(lambda db: cases.case_events(db, case_id))
    assert [e["kind"] for e in events].count("step_done") == 1


async def test_staff_are_refused_officer_steps_and_the_card_is_untouched(
    teams: TeamsHarness,
) -> None:
    case_id = await report(teams, "subpoena")
    [card] = teams.find(STAFF, lambda text: f"Case {case_id}: A subpoena" in text)
    before = len(teams.sent_to(STAFF))
    assert await teams.press(STAFF, card, "Done", value_has=":consult_counsel") == 201
    [refusal] = teams.sent_to(STAFF)[before:]
    assert refusal.kind == "reply"
    assert "Only the responsible officer or counsel" in card_text(cards_of(refusal)[0])
    assert teams.read(lambda db: cases.step_records(db, case_id)) == {}
    assert not [r for r in teams.sent_to(STAFF) if r.kind == "update"]


async def test_an_officer_marks_a_step_and_the_card_changes_in_place(teams: TeamsHarness) -> None:
    case_id = await report(teams, "subpoena")
    assert await teams.say(DANA, "status") == 201
    [listing] = teams.find(DANA, lambda text: "Open cases" in text)
    assert await teams.press(DANA, listing, f"Open {case_id}") == 201
    [card] = teams.find(DANA, lambda text: f"Case {case_id}: A subpoena" in text, kinds=("reply",))
    assert await teams.press(DANA, card, "Acknowledge") == 201
    assert await teams.press(DANA, card, "Done", value_has=":consult_counsel") == 201
    acknowledged, marked = [r for r in teams.sent_to(DANA) if r.kind == "update"]
    assert acknowledged.activity_id == marked.activity_id == card.activity_id
    acknowledged_text = card_text(cards_of(acknowledged)[0])
    assert "Dana Whitfield at" in acknowledged_text and "Have counsel check" in acknowledged_text
    assert "Done by Dana Whitfield" in card_text(cards_of(marked)[0])
    assert teams.read(lambda db: cases.step_records(db, case_id))["consult_counsel"].state == "done"


async def test_unknown_or_malformed_buttons_get_a_polite_answer(teams: TeamsHarness) -> None:
    for value in ({"action": "launch_rockets", "value": "x"}, {"action": 7}, {"nothing": True}):
        before = len(teams.sent_to(STAFF))
        assert await teams.post(teams.activity(STAFF, value=value)) == 201
        [answer] = teams.sent_to(STAFF)[before:]
        assert "not one PatronGuard knows" in card_text(cards_of(answer)[0])
    assert teams.count("cases") == 0


async def test_help_status_and_officer_report_commands(teams: TeamsHarness) -> None:
    assert await teams.say(STAFF, "help") == 201
    *_, help_card = teams.find(STAFF, lambda text: "Report a records request" in text)
    assert await teams.say(DANA, "<p>Report</p>") == 201
    assert teams.find(DANA, lambda text: "Records requests" in text)
    assert await teams.say(STAFF, "status") == 201
    assert teams.find(STAFF, lambda text: "No open cases" in text)
    assert teams.count("cases") == 0
    # From staff, "report" reports a request: a clerk under stress never gets a refusal.
    assert await teams.say(STAFF, "report") == 201
    assert teams.find(STAFF, lambda text: "what to do now" in text)
    assert teams.count("cases") == 1
    assert await teams.say(STAFF, "drill") == 201
    assert teams.read(lambda db: [r["drill"] for r in db["cases"].rows]) == [0, 1]
    assert teams.find(STAFF, lambda text: "DRILL" in text)
    assert await teams.press(STAFF, help_card, "Report a records request") == 201
    assert teams.read(lambda db: [r["drill"] for r in db["cases"].rows]) == [0, 1, 0]


async def test_references_are_stored_without_message_text(teams: TeamsHarness) -> None:
    secret = "patron Jane Example card 29000123456789"
    await teams.say(STAFF, secret)
    stored = teams.read(lambda db: conversations.get_reference(db, STAFF))
    assert stored["conversation"]["id"] == teams.personal[STAFF]
    assert stored["serviceUrl"] == teams.connector.service_url
    files = [teams.db_path, teams.db_path.with_name("pg.db-wal")]
    dump = b"".join(f.read_bytes() for f in files if f.exists())
    assert b"Jane Example" not in dump and b"29000123456789" not in dump
    assert set(teams.read(conversations.users_with_reference)) == {DANA, SAM, STAFF}


async def test_an_incomplete_intake_is_refused_and_can_be_sent_again(teams: TeamsHarness) -> None:
    assert await teams.say(STAFF, "a parent wants to know what their son borrowed") == 201
    [form] = teams.find(STAFF, lambda text: "Send to officer" in text)
    incomplete = {**INTAKE, "presented": ""}
    assert await teams.press(STAFF, form, "Send to officer", inputs=incomplete) == 201
    assert teams.find(STAFF, lambda text: "Please check the form" in text)
    [case_id] = teams.read(lambda db: [r["id"] for r in db["cases"].rows])
    assert teams.read(lambda db: cases.get_case(db, case_id)).intake_at is None
    assert await teams.press(STAFF, form, "Send to officer", inputs=INTAKE) == 201
    assert teams.read(lambda db: cases.get_case(db, case_id)).intake_at is not None


async def test_an_officer_closes_a_finished_case_from_its_card(teams: TeamsHarness) -> None:
    case_id = await report(teams, "nothing")
    [card] = teams.find(STAFF, lambda text: f"Case {case_id}: Nothing" in text, kinds=("send",))
    for step in (":refer", ":report_demand"):
        assert await teams.press(STAFF, card, "Done", value_has=step) == 201
    assert await teams.say(DANA, "status") == 201
    [listing] = teams.find(DANA, lambda text: "Open cases (1)" in text)
    assert await teams.press(DANA, listing, f"Open {case_id}") == 201
    [officer_card] = teams.find(DANA, lambda text: "Close case" in text, kinds=("reply",))
    assert await teams.press(DANA, officer_card, "Close case") == 201
    [form] = teams.find(DANA, lambda text: "Close the case" in text, kinds=("reply",))
    assert (
        await teams.press(DANA, form, "Close case", inputs={"outcome": "nothing_released"}) == 201
    )
    [closed] = [r for r in teams.sent_to(DANA) if r.kind == "update"]
    assert closed.activity_id == form.activity_id
    assert "Nothing released" in card_text(cards_of(closed)[0])
    assert teams.read(lambda db: cases.get_case(db, case_id)).status == "closed"
