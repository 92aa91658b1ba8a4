"""What the interaction layer promises every channel: the same behaviour in Slack and Teams,
notification text that never leaks a restricted case, one answer per delivery, a null actor
refused before any handler runs, and one transaction per use case."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.config import Settings
from bot.notifiers.content import page_content
from bot.slack.blocks import message_text
from bot.teams.replies import view_activity
from handlers import views as v
from handlers.acknowledge import acknowledge_page
from handlers.actors import Actor
from handlers.cases import report_inquiry, show_case
from handlers.closing import close_case
from handlers.intake import IntakeDetails, submit_intake
from handlers.interactions import BUTTONS, FORMS
from handlers.page_views import acknowledged_notice, exhausted_notice, officer_page
from handlers.pager import Delivery
from handlers.steps import mark_step
from storage import cases
from tests.slack_harness import DIRECTOR, INTAKE, STAFF, all_text, buttons_in, serve_slack
from tests.teams_harness import DANA, TeamsHarness, card_text, cards_of, teams_settings
from tests.teams_harness import STAFF as TEAMS_STAFF

# Words that would tell a lock screen what a gagged case is about.
GAG_WORDS = ("nondisclosure", "gag", "National Security", "FISA", "Federal agent", "FBI", "order")
NULL_IDS = [None, "", "   ", 7, ["U0STAFF"], {"id": "U0STAFF"}]


# -- acknowledging on a case card keeps the steps, in both channels ----------------------


async def test_slack_acknowledge_on_a_case_card_keeps_its_steps(tmp_path: Path) -> None:
    async with serve_slack(tmp_path) as pg:
        await pg.command()
        opened = await pg.slack.wait_for("views.open")
        await pg.submit(opened, INTAKE["subpoena"])
        [case_id] = pg.case_ids()
        page = await pg.wait_page(DIRECTOR)
        await pg.click(page, "open_case", user=DIRECTOR)
        card = await pg.wait_message(DIRECTOR, lambda c: "ack_case" in str(c.args["blocks"]))
        await pg.click(card, "ack_case", user=DIRECTOR)
        updated = await pg.slack.wait_for(
            "chat.update",
            lambda c: c.args["ts"] == card.args.get("ts") or "step_done" in str(c.args),
        )
        ids = [b["action_id"] for _, b in buttons_in(updated.args["blocks"])]
        assert any(i.startswith("step_done") for i in ids), ids  # the steps are still there
        assert not any(i.startswith("ack_case") for i in ids)  # and it is acknowledged
        assert f"Case {case_id}" in all_text(updated.args["blocks"])
        pg.assert_payloads_valid()


async def test_teams_acknowledge_on_a_case_card_keeps_its_steps(
    settings: Settings, tmp_path: Path
) -> None:
    async with TeamsHarness.running(teams_settings(settings), tmp_path / "p.db") as teams:
        for user in (DANA, TEAMS_STAFF):
            await teams.install(user)
        await teams.say(TEAMS_STAFF, "an agent wants records")
        [form] = teams.find(TEAMS_STAFF, lambda text: "Send to officer" in text)
        inputs = {
            "presented": "subpoena",
            "signed_by": "court",
            "received_via": "served",
            "requester_kind": "lawyer",
            "waiting_now": "no",
            "record_category": "circulation",
        }
        await teams.press(TEAMS_STAFF, form, "Send to officer", inputs=inputs)
        [case_id] = teams.read(lambda db: [r["id"] for r in db["cases"].rows])
        assert await teams.say(DANA, "status") == 201
        [listing] = teams.find(DANA, lambda text: "Open cases (1)" in text)
        assert await teams.press(DANA, listing, f"Open {case_id}") == 201
        [card] = teams.find(DANA, lambda text: "Close case" in text, kinds=("reply",))
        assert await teams.press(DANA, card, "Acknowledge") == 201
        [edited] = [r for r in teams.sent_to(DANA) if r.kind == "update"]
        assert edited.activity_id == card.activity_id
        text = card_text(cards_of(edited)[0])
        assert "Have counsel check the process" in text and "Acknowledged" in text
        assert teams.read(lambda db: cases.get_case(db, case_id)).acknowledged_at
        teams.check_every_card()


# -- what a lock screen shows for a restricted case --------------------------------------


async def test_restricted_notifications_carry_only_the_id_everywhere(services, staff, officer):
    opened = await report_inquiry(services, staff)
    case_id = opened.case_id or ""
    details = IntakeDetails("gagged_order", "federal_agent", True, "circulation", "FBI")
    await submit_intake(services, staff, case_id, details)
    await acknowledge_page(services, officer, case_id)
    case = services.store.call(lambda db: cases.require_case(db, case_id))
    views = [
        officer_page(services, case),
        officer_page(services, case, to_counsel=True),
        acknowledged_notice(services, case),
        exhausted_notice(services, case),
        (await show_case(services, officer, case_id)).view,  # the officer's full card
        (await show_case(services, staff, case_id)).view,
    ]
    for view in views:
        previews = {
            "slack": message_text(view),
            "teams": view_activity(view).summary or "",
        }
        for channel in ("email", "webhook"):
            delivery = Delivery(1, case_id, "page", channel, "x", view, restricted=True)
            content = page_content(delivery)
            previews[channel] = f"{content.subject} {content.summary}"
        for channel, text in previews.items():
            assert case_id in text, (channel, text)
            assert not any(w.lower() in text.lower() for w in GAG_WORDS), (channel, text)
        assert previews["slack"].endswith(f"[RESTRICTED] Case {case_id}")


# -- one transaction per use case --------------------------------------------------------


async def test_a_step_and_a_close_at_once_never_leave_a_step_on_a_closed_case(
    services, staff, officer
):
    """Step 6 is optional, so the case may close while it is being marked: either the mark
    lands first and the close follows, or the close wins and the mark is refused."""
    outcomes = {"mark first": 0, "close first": 0}
    for _ in range(40):
        case_id = (await report_inquiry(services, staff)).case_id or ""
        details = IntakeDetails("nothing", "police", False, "circulation")
        await submit_intake(services, staff, case_id, details)
        for step in ("refer", "report_demand"):
            await mark_step(services, staff, case_id, step, state="done")
        marked, closed = await asyncio.gather(
            mark_step(services, officer, case_id, "other_problems", state="done"),
            close_case(services, officer, case_id, "nothing_released"),
        )
        assert not closed.refused
        events = services.store.call(lambda db, c=case_id: cases.case_events(db, c))
        kinds = [e["kind"] for e in events if e["kind"] in ("step_done", "closed")]
        if marked.refused:
            assert "is closed" in " ".join(marked.view.lines)
            assert kinds[-1] == "closed"
            outcomes["close first"] += 1
        else:
            assert kinds.index("closed") > len(kinds) - 2  # the close came after the mark
            outcomes["mark first"] += 1
        steps = services.store.call(lambda db, c=case_id: cases.step_records(db, c))
        assert ("other_problems" in steps) == (not marked.refused)
    assert sum(outcomes.values()) == 40


# -- an actor who is nobody --------------------------------------------------------------


def every_button(case_id: str) -> list[tuple[str, str]]:
    """Every button the interaction layer knows, with a value of the shape it expects."""
    values = {v.STEP_DONE: f"{case_id}:consult_counsel", v.STEP_NOT_APPLICABLE: f"{case_id}:x"}
    values |= {v.REVIEW_DONE: "1", v.REMINDER_SEEN: "1"}
    return [(name, values.get(name, case_id)) for name in BUTTONS]


@pytest.mark.parametrize("user_id", NULL_IDS, ids=repr)
async def test_slack_refuses_a_payload_that_names_nobody_before_any_handler(tmp_path, user_id):
    async with serve_slack(tmp_path) as pg:
        await pg.command()
        [case_id] = pg.case_ids()
        before = pg.rows("SELECT count(*) AS n FROM case_events")
        for action_id, value in every_button(case_id):
            payload = pg.block_action({"action_id": action_id, "value": value}, user=STAFF)
            payload["user"]["id"] = user_id
            answer = await pg.interact(payload)
            assert answer.status == 400, (action_id, answer)
        for form in FORMS:
            # The same submission from a real person is answered (and refused as staff's).
            assert (await pg.interact(pg.view_submission(form, case_id, user=STAFF))).status == 200
            payload = pg.view_submission(form, case_id, user=STAFF)
            payload["user"]["id"] = user_id
            answer = await pg.interact(payload)
            assert answer.status == 400, (form, answer)
        # A form field is always text: only an empty one names nobody.
        typed = "" if user_id is None else str(user_id)
        if not typed.strip():
            command = await pg.post(
                f"command=%2Frecords-request&user_id={typed}&trigger_id=1.2.3&team_id=T0001".encode(),
                "application/x-www-form-urlencoded",
            )
            assert command.status == 400
        assert pg.rows("SELECT count(*) AS n FROM case_events") == before
        [case] = pg.rows("SELECT acknowledged_at, hold_released_at FROM cases")
        assert case == {"acknowledged_at": None, "hold_released_at": None}


@pytest.mark.parametrize("user_id", NULL_IDS, ids=repr)
async def test_teams_refuses_an_activity_that_names_nobody_before_any_handler(
    settings: Settings, tmp_path: Path, user_id
) -> None:
    async with TeamsHarness.running(teams_settings(settings), tmp_path / "p.db") as teams:
        await teams.install(TEAMS_STAFF)
        await teams.say(TEAMS_STAFF, "an agent wants records")
        [case_id] = teams.read(lambda db: [r["id"] for r in db["cases"].rows])
        for action, value in every_button(case_id):
            activity = teams.activity(TEAMS_STAFF, value={"action": action, "value": value})
            activity["from"] = {"id": user_id, "name": "Nobody"}
            assert await teams.post(activity) == 400, action
        for form in FORMS:
            submitted = {"form": form, "value": case_id, "kind": "judicial_subpoena"}
            real = teams.activity(TEAMS_STAFF, value=submitted)
            assert await teams.post(real) in (200, 201), form  # answered for a real person
            activity = teams.activity(TEAMS_STAFF, value=submitted)
            activity["from"] = {"id": user_id, "name": "Nobody"}
            assert await teams.post(activity) == 400, form
        case = teams.read(lambda db: cases.get_case(db, case_id))
        assert case.acknowledged_at is None and case.hold_released_at is None


async def test_no_configured_person_matches_a_missing_id(settings: Settings):
    from handlers.actors import NotAnActor, known_id, role_of

    for bad in NULL_IDS:
        with pytest.raises(NotAnActor):
            Actor("slack", bad)  # type: ignore[arg-type]
    # Counsel in the starter has no slack_id: an id Slack never sends cannot become counsel.
    assert known_id(settings, "slack", [None, ""]) is None
    assert role_of(settings, Actor("slack", "U0STRANGER")) == "staff"
