"""Block Kit rendering of handler views: order, escaping, Slack's limits, modals and Home."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import load_default_settings
from bot.runtime import build_services
from bot.slack.blocks import (
    base_action,
    escape,
    fit,
    home_view,
    invalid_block,
    message_blocks,
    message_text,
    modal_view,
    submitted_values,
)
from handlers import views as v
from handlers.presenters import close_form, intake_form
from tests.standins.payload_checks import check_blocks, check_view


def texts(blocks: list[dict]) -> str:
    return json.dumps(blocks)


def test_order_is_banner_header_lines_sections_facts_steps_buttons_footer():
    view = v.View(
        title="Case PG-1: A subpoena",
        lines=("Line",),
        sections=(v.Section("Say and do", ("Stay calm.",)),),
        facts=(v.Fact("Status", "Open"),),
        steps=(
            v.StepItem(
                1,
                "refer",
                "Refer",
                "staff",
                "pending",
                "Refer them.",
                buttons=(
                    v.Button("Done", v.STEP_DONE, "PG-1:refer", "primary"),
                    v.Button("Not applicable", v.STEP_NOT_APPLICABLE, "PG-1:refer"),
                ),
            ),
        ),
        buttons=(v.Button("Acknowledge", v.ACK_PAGE, "PG-1", "primary"),),
        footer="Not legal advice.",
        banner="DRILL · RESTRICTED",
    )
    blocks = message_blocks(view)
    check_blocks(blocks, surface="message")
    kinds = [b["type"] for b in blocks]
    assert kinds == [
        "section",
        "header",
        "section",
        "section",
        "section",
        "section",
        "actions",
        "actions",
        "context",
    ]
    assert "DRILL · RESTRICTED" in blocks[0]["text"]["text"]
    assert blocks[1]["text"]["text"] == "Case PG-1: A subpoena"
    assert blocks[4]["fields"][0]["text"] == "*Status*\nOpen"
    step = blocks[5]["text"]["text"]
    assert step.startswith(":white_large_square: *1. Refer*") and "Refer them." in step
    assert [e["action_id"] for e in blocks[6]["elements"]] == ["step_done", "step_na"]


def test_handler_text_is_escaped_for_mrkdwn():
    agency = "<!channel> & <https://evil.example|click>"
    view = v.View(title="T", lines=(agency,), facts=(v.Fact("Agency", agency),))
    rendered = texts(message_blocks(view))
    assert "<!channel>" not in rendered and "<https://" not in rendered
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in rendered
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_long_text_is_cut_gracefully_and_never_inside_an_entity():
    assert fit("x" * 10, 10) == "x" * 10
    assert fit("abcdef&amp;ghij", 9) == "abcdef…"
    view = v.View(title="T" * 400, lines=("word " * 1000,), footer="f" * 5000)
    blocks = message_blocks(view)
    check_blocks(blocks, surface="message")
    assert len(blocks[0]["text"]["text"]) == 150 and blocks[0]["text"]["text"].endswith("…")
    assert len(blocks[1]["text"]["text"]) <= 3000 and blocks[1]["text"]["text"].endswith("…")


def test_more_than_ten_facts_are_split_across_sections():
    facts = tuple(v.Fact(f"Label {i}", str(i)) for i in range(23))
    blocks = message_blocks(v.View(title="Report", facts=facts))
    check_blocks(blocks, surface="message")
    assert [len(b["fields"]) for b in blocks if "fields" in b] == [10, 10, 3]


def test_a_view_too_big_for_one_message_is_capped_with_a_note():
    steps = tuple(
        v.StepItem(
            i,
            f"s{i}",
            f"Step {i}",
            "staff",
            "pending",
            "Do it.",
            buttons=(v.Button("Done", v.STEP_DONE, f"PG-1:s{i}"),),
        )
        for i in range(40)
    )
    blocks = message_blocks(v.View(title="Big", steps=steps))
    check_blocks(blocks, surface="message")
    assert len(blocks) == 50
    assert "more than fits" in blocks[-1]["elements"][0]["text"]


def test_repeated_actions_in_one_block_are_told_apart_and_routed_back():
    buttons = tuple(v.Button(f"Open PG-{i}", v.OPEN_CASE, f"PG-{i}") for i in range(3))
    blocks = message_blocks(v.View(title="Open cases (3)", buttons=buttons))
    check_blocks(blocks, surface="message")
    ids = [e["action_id"] for e in blocks[-1]["elements"]]
    assert ids == ["open_case", "open_case#1", "open_case#2"]
    assert {base_action(i) for i in ids} == {v.OPEN_CASE}


def test_empty_handler_text_never_makes_an_invalid_block():
    view = v.View(
        title="",
        lines=("", "  "),
        sections=(v.Section("", ()),),
        facts=(v.Fact("", ""), v.Fact("Reported", "")),
        buttons=(v.Button("", v.OPEN_CASE, "PG-1"),),
        footer=" ",
        banner=" ",
    )
    blocks = message_blocks(view)
    check_blocks(blocks, surface="message")
    assert message_text(view)


def test_intake_and_close_forms_are_valid_modals(tmp_path):
    services = build_services(load_default_settings(), tmp_path / "pg.db")
    try:
        intake = modal_view(intake_form(services, "PG-ABC234"))
        close = modal_view(close_form(services, "PG-ABC234"))
    finally:
        services.store.close()
    for modal in (intake, close):
        check_view(modal)
        assert len(modal["title"]["text"]) <= 24
        assert modal["private_metadata"] == "PG-ABC234"
    assert intake["callback_id"] == "intake" and close["callback_id"] == "close"
    inputs = {b["block_id"]: b for b in intake["blocks"] if b["type"] == "input"}
    assert list(inputs) == [
        "presented",
        "signed_by",
        "received_via",
        "requester_kind",
        "waiting_now",
        "record_category",
        "agency",
    ]
    assert inputs["waiting_now"]["element"]["type"] == "radio_buttons"
    assert inputs["agency"]["optional"] is True
    assert inputs["agency"]["element"]["max_length"] == 80
    assert all(len(o["text"]["text"]) <= 75 for o in inputs["presented"]["element"]["options"])


def test_long_modal_title_is_cut_to_24():
    form = v.Form(
        "intake", "A very long title for a modal window", "Send it along now please", "PG-1", ()
    )
    modal = modal_view(form)
    check_view(modal)
    assert len(modal["title"]["text"]) == 24 and len(modal["submit"]["text"]) <= 24


def test_home_view_holds_each_view_divided_and_is_valid():
    home = home_view([v.View(title="Help", lines=("a",)), v.View(title="Open cases (0)")])
    check_view(home)
    assert [b["type"] for b in home["blocks"]] == ["header", "section", "divider", "header"]
    many = home_view([v.View(title=f"V{i}", lines=("x",)) for i in range(60)])
    check_view(many)
    assert len(many["blocks"]) == 100


def test_submitted_values_and_the_field_a_forged_answer_came_in():
    modal = modal_view(
        v.Form(
            "close",
            "Close the case",
            "Close case",
            "PG-1",
            (
                v.FormField("outcome", "Outcome", "choice", (v.Choice("withdrawn", "Withdrawn"),)),
                v.FormField("note", "Note", "text", required=False, max_length=5),
            ),
        )
    )

    def submitted(outcome: str | None, note: str | None) -> dict:
        chosen = {"value": outcome} if outcome else None
        values = {
            "outcome": {"outcome": {"type": "static_select", "selected_option": chosen}},
            "note": {"note": {"type": "plain_text_input", "value": note}},
        }
        return {**modal, "state": {"values": values}}

    assert submitted_values(submitted("withdrawn", None)) == {"outcome": "withdrawn", "note": None}
    assert invalid_block(submitted("withdrawn", "ok")) is None
    assert invalid_block(submitted("stolen", None)) == "outcome"
    assert invalid_block(submitted(None, None)) == "outcome"
    assert invalid_block(submitted("withdrawn", "too long")) == "note"


any_text = st.text(max_size=4000)


@settings(max_examples=60, deadline=None)
@given(
    title=any_text,
    lines=st.lists(any_text, max_size=4),
    facts=st.lists(st.tuples(any_text, any_text), max_size=14),
    label=st.text(max_size=120),
    value=st.text(max_size=2100),
    banner=st.text(max_size=50),
)
def test_any_handler_text_renders_to_blocks_slack_accepts(
    title, lines, facts, label, value, banner
):
    view = v.View(
        title=title,
        lines=tuple(lines),
        facts=tuple(v.Fact(a, b) for a, b in facts),
        buttons=(v.Button(label, v.OPEN_CASE, value),),
        footer=title,
        banner=banner,
    )
    check_blocks(message_blocks(view), surface="message")
    assert len(message_text(view)) <= 3000
