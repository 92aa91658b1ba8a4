"""A non-officer is refused on every officer action, through Slack and through Teams.

Buttons staff never see are forged here, as a curious or malicious member could.
"""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from storage import cases
from tests.slack_harness import INTAKE, STAFF, all_text, dm, serve_slack
from tests.teams_harness import DANA, TeamsHarness, card_text, cards_of, teams_settings
from tests.teams_harness import STAFF as TEAMS_STAFF

REFUSED = "Only the responsible officer or counsel"


def officer_actions(case_id: str) -> list[tuple[str, str]]:
    return [
        ("ack_page", case_id),
        ("step_done", f"{case_id}:consult_counsel"),
        ("step_na", f"{case_id}:designated_only"),
        ("open_close", case_id),
        ("release_hold", case_id),
        ("review_done", "1"),
    ]


def untouched(case) -> bool:
    return case.acknowledged_at is None and case.status == "open" and case.on_hold


async def test_slack_refuses_staff_every_officer_action(tmp_path: Path) -> None:
    async with serve_slack(tmp_path) as pg:
        await pg.command()
        opened = await pg.slack.wait_for("views.open")
        await pg.submit(opened, INTAKE["subpoena"])
        [case_id] = pg.case_ids()
        for action_id, value in officer_actions(case_id):
            before = len(pg.slack.calls_to("chat.postEphemeral")) + len(pg.slack.responses)
            button = {"action_id": action_id, "value": value}
            await pg.interact(
                pg.block_action(button, user=STAFF, container=pg.container(dm(STAFF), "1.000100"))
            )
            note = await pg.slack.wait_for(
                "chat.postEphemeral",
                lambda c, n=before: REFUSED in all_text(c.args.get("blocks", [])),
                timeout=5,
            )
            assert note.args["user"] == STAFF, action_id
            assert len(pg.slack.calls_to("chat.postEphemeral")) + len(pg.slack.responses) > before
            pg.slack.calls.remove(note)  # each action must produce its own refusal
        forged_close = {
            "type": "view_submission",
            "team": {"id": "T0001"},
            "user": {"id": STAFF, "team_id": "T0001"},
            "api_app_id": "A0001",
            "trigger_id": pg.slack.new_trigger_id(),
            "view": {
                "id": "V0FORGED",
                "type": "modal",
                "callback_id": "close",
                "private_metadata": case_id,
                "blocks": [],
                "hash": "1.a",
                "state": {
                    "values": {
                        "outcome": {
                            "outcome": {
                                "type": "static_select",
                                "selected_option": {
                                    "value": "nothing_released",
                                    "text": {"type": "plain_text", "text": "x"},
                                },
                            }
                        }
                    }
                },
            },
        }
        refused = await pg.interact(forged_close)
        assert refused.status == 200
        assert REFUSED in all_text(refused.body) or await pg.wait_message(
            STAFF, lambda c: REFUSED in all_text(c.args.get("blocks", []))
        )
        # "report" from staff reports a request: it never shows officers' counts.
        answer, _ = await pg.command("report")
        assert "what to do now" in all_text(answer.body)
        assert "Unauthorized demands logged" not in all_text(answer.body)
        assert not [
            c
            for c in pg.slack.calls_to("views.open")
            if c.args["view"].get("callback_id") == "close"
        ]
        record = pg.rows("SELECT * FROM cases")[0]
        steps = pg.rows("SELECT * FROM case_steps WHERE case_id = ?", (case_id,))
        assert record["acknowledged_at"] is None and record["status"] == "open"
        assert record["hold_released_at"] is None and steps == []
        assert pg.rows("SELECT * FROM retention_reviews") == []


async def test_teams_refuses_staff_every_officer_action(settings: Settings, tmp_path: Path):
    async with TeamsHarness.running(teams_settings(settings), tmp_path / "p.db") as teams:
        for user in (DANA, TEAMS_STAFF):
            await teams.install(user)
        await teams.say(TEAMS_STAFF, "someone wants a patron's records")
        [form] = teams.find(TEAMS_STAFF, lambda text: "Send to officer" in text)
        inputs = {
            "presented": "subpoena",
            "signed_by": "court",
            "received_via": "served",
            "requester_kind": "lawyer",
            "waiting_now": "no",
            "record_category": "circulation",
            "agency": "County Court",
        }
        await teams.press(TEAMS_STAFF, form, "Send to officer", inputs=inputs)
        [case_id] = teams.read(lambda db: [r["id"] for r in db["cases"].rows])
        presses = [{"action": a, "value": v} for a, v in officer_actions(case_id)]
        presses.append({"form": "close", "value": case_id})
        for press in presses:
            before = len(teams.sent_to(TEAMS_STAFF))
            data = {**press, "outcome": "nothing_released"}
            assert await teams.post(teams.activity(TEAMS_STAFF, value=data)) in (200, 201)
            answers = teams.sent_to(TEAMS_STAFF)[before:]
            texts = [r.body.get("text") or "" for r in answers]
            texts += [card_text(c) for r in answers for c in cards_of(r)]
            assert any(REFUSED in t for t in texts), (press, texts)
        # "report" from staff reports a request: it never shows officers' counts.
        before = len(teams.sent_to(TEAMS_STAFF))
        await teams.say(TEAMS_STAFF, "report")
        answered = [card_text(c) for r in teams.sent_to(TEAMS_STAFF)[before:] for c in cards_of(r)]
        assert any("what to do now" in t for t in answered)
        assert not any("Unauthorized demands logged" in t for t in answered)
        case = teams.read(lambda db: cases.get_case(db, case_id))
        assert untouched(case)
        assert teams.read(lambda db: cases.step_records(db, case_id)) == {}
