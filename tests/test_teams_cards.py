"""Adaptive Card rendering of handler views and forms, and reading commands from text."""

from __future__ import annotations

import pytest

from bot.teams.cards import form_card, view_card
from handlers import views as v
from handlers.actors import Actor
from handlers.cases import report_inquiry, show_case
from handlers.closing import close_form_for
from handlers.commands import Command, command_of
from handlers.help import help_view
from handlers.intake import IntakeDetails, submit_intake
from handlers.page_views import officer_page
from handlers.services import Services
from storage import cases
from tests.standins.payload_checks import check_adaptive_card

DRILL, HELP, START = Command.DRILL, Command.HELP, Command.START
STATUS, SUMMARY = Command.STATUS, Command.SUMMARY

EVERYTHING = v.View(
    title="Case PG-TEST: A subpoena",
    lines=("Use `help` for commands.", ""),
    sections=(v.Section("Do not", ("Show any record.", "Confirm anyone is a user.")),),
    facts=(v.Fact("Status", "Open"), v.Fact("Agency", "")),
    steps=(
        v.StepItem(
            1,
            "refer",
            "Refer the requester",
            "staff",
            "pending",
            "Refer them to the officer.",
            buttons=(
                v.Button("Done", v.STEP_DONE, "PG-TEST:refer", "primary"),
                v.Button("Not applicable", v.STEP_NOT_APPLICABLE, "PG-TEST:refer"),
            ),
        ),
        v.StepItem(2, "consult", "Consult counsel", "officer", "done", "", "Done by Dana"),
    ),
    buttons=(v.Button("Close case", v.OPEN_CLOSE, "PG-TEST", "danger"),),
    footer="Not legal advice.",
    tone=v.WARNING,
    banner="DRILL · RESTRICTED",
    case_id="PG-TEST",
)


def test_a_view_with_everything_is_a_valid_card_with_the_banner_first() -> None:
    card = view_card(EVERYTHING)
    check_adaptive_card(card)
    banner = card["body"][0]
    assert banner["type"] == "Container" and banner["style"] == "warning"
    assert banner["items"][0]["text"] == "DRILL · RESTRICTED"
    assert card["body"][1]["text"] == "Case PG-TEST: A subpoena"
    assert card["body"][2]["text"] == "Use **help** for commands."
    [facts] = [b for b in card["body"] if b["type"] == "FactSet"]
    assert facts["facts"] == [
        {"title": "Status", "value": "Open"},
        {"title": "Agency", "value": "-"},
    ]
    steps = [b for b in card["body"] if b["type"] == "Container" and b.get("separator")]
    assert len(steps) == 2
    [step_buttons] = [i for i in steps[0]["items"] if i["type"] == "ActionSet"]
    assert [a["data"] for a in step_buttons["actions"]] == [
        {"action": "step_done", "value": "PG-TEST:refer"},
        {"action": "step_na", "value": "PG-TEST:refer"},
    ]
    assert not [i for i in steps[1]["items"] if i["type"] == "ActionSet"]
    assert card["actions"] == [
        {
            "type": "Action.Submit",
            "title": "Close case",
            "data": {"action": "open_close", "value": "PG-TEST"},
            "style": "destructive",
        }
    ]


async def test_every_handler_view_and_form_renders_as_a_valid_card(services: Services) -> None:
    staff, officer = Actor("console", "desk-1"), Actor("console", services.settings.officers[0].key)
    opened = await report_inquiry(services, staff, drill=True)
    details = IntakeDetails("gagged_order", "federal_agent", True, "circulation", "FBI")
    submitted = await submit_intake(services, staff, opened.case_id, details)
    case = services.store.call(lambda db: cases.get_case(db, opened.case_id))
    views = [
        opened.view,
        submitted.view,
        (await show_case(services, staff, opened.case_id)).view,  # whom to tell, no more
        officer_page(services, case),
        (await show_case(services, officer, opened.case_id)).view,
        help_view(services, officer).view,
        v.refusal("Only officers.").view,
    ]
    for view in views:
        check_adaptive_card(view_card(view))
    close = (await close_form_for(services, officer, opened.case_id)).form
    for form in (opened.form, close):
        check_adaptive_card(form_card(form))


async def test_the_intake_card_asks_in_categories(services: Services) -> None:
    opened = await report_inquiry(services, Actor("console", "desk-1"))
    card = form_card(opened.form)
    inputs = {b["id"]: b for b in card["body"] if b["type"].startswith("Input.")}
    assert list(inputs) == [
        "presented",
        "signed_by",
        "received_via",
        "requester_kind",
        "waiting_now",
        "record_category",
        "agency",
    ]
    assert all(inputs[k]["type"] == "Input.ChoiceSet" for k in list(inputs)[:6])
    assert [c["value"] for c in inputs["waiting_now"]["choices"]] == ["yes", "no"]
    agency = inputs["agency"]
    assert agency["type"] == "Input.Text" and agency["maxLength"] == 80
    assert "No personal details" in agency["placeholder"] and not agency.get("isRequired")
    assert card["actions"][0]["data"] == {"form": "intake", "value": opened.case_id}


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("help", HELP),
        ("  Help! ", HELP),
        ("<at>PatronGuard</at> status", STATUS),
        ("PatronGuard drill", DRILL),
        ("/report", SUMMARY),
        ("<p>report</p>", SUMMARY),
        ("report a records request", START),
        ("an officer wants to know what a patron borrowed", START),
        ("status of my case please", START),
        ("status please", STATUS),
        ("drill: a pretend agent at the desk", DRILL),
        ("help, an agent wants to see who borrowed a book", START),
        ("<@U0BOT|patronguard> help", HELP),
        ("", START),
        (None, START),
    ],
)
def test_commands_are_whole_messages_and_anything_else_reports(
    text: str | None, command: str
) -> None:
    assert command_of(text) == command
