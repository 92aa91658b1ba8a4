"""What staff and officers read: every screen, for every presentation, checked against the
rules the procedure sets (no screen pulls two ways, no law stated as fact, sources named)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from bot.config import StateLaw, load_default_settings
from bot.console import render
from bot.runtime import build_services
from bot.slack.blocks import message_blocks
from bot.teams.cards import view_card
from handlers.acknowledge import acknowledge_page
from handlers.actors import Actor
from handlers.cases import report_inquiry, show_case, status
from handlers.intake import IntakeDetails, submit_intake
from handlers.pager import Pager
from handlers.presenters import guidance_view
from playbooks.engine import applicable_steps, first_screen, resolve_presentation
from playbooks.model import (
    LIBRARY_SOURCE,
    PRESENTED,
    RECEIVED_VIA,
    CaseFacts,
    load_playbook,
)
from tests.conftest import RecordingNotifier

PLAYBOOK = load_playbook()
# A line that tells staff to stop anyone from looking at or taking records.
FORBIDS_LOOKING = re.compile(
    r"\b(do not|don't|never)\b[^.]*\b(show|hand over|let (anyone|them)|allow|give)\b[^.]*"
    r"\b(record|screen|look|see|footage)",
    re.IGNORECASE,
)
# Wording that states what the law is, rather than what library policy is.
LAW_AS_FACT = re.compile(
    r"(under (state|federal|the) law|state law (says|requires|provides|gives|makes)|"
    r"the law (says|requires|provides)|nobody can compel|no one can compel|is (a|not a) crime|"
    r"is illegal|you are (legally )?required by law|by law,)",
    re.IGNORECASE,
)
JUDGES_WARRANT_ANSWER = re.compile(r"warrant signed by a judge.*do not block", re.IGNORECASE)
FIRST_SCREEN_MAX = 8  # numbered lines: "about eight"; one more when three notes all apply


def every_facts() -> list[CaseFacts]:
    """Each presentation with each way a request comes, asker and record that change wording."""
    found = [CaseFacts()]
    for presented, via, kind, category, library in itertools.product(
        PRESENTED,
        RECEIVED_VIA,
        ("police", "parent"),
        ("circulation", "camera"),
        ("public", "school"),
    ):
        found.append(
            CaseFacts(
                presented=presented,
                received_via=via,
                requester_kind=kind,
                record_category=category,
                library_kind=library,
            )
        )
    return found


ALL_FACTS = every_facts()


def texts(facts: CaseFacts) -> list[str]:
    return [line.text for line in first_screen(PLAYBOOK, facts)]


@pytest.mark.parametrize("facts", ALL_FACTS, ids=lambda f: f"{f.presented}-{f.received_via}")
def test_no_first_screen_pulls_two_ways_and_each_fits(facts):
    lines = texts(facts)
    notes = [n for n in PLAYBOOK.immediate_guidance.notes if n.when.matches(facts)]
    assert 1 <= len(lines) <= FIRST_SCREEN_MAX + (len(notes) > 2), lines
    assert len(set(lines)) == len(lines), "a line is repeated"
    if facts.presented == "search_warrant":
        assert not [line for line in lines if FORBIDS_LOOKING.search(line)], lines
    if any(re.search(r"step aside|do not block|never physically block", x, re.I) for x in lines):
        # Once agents may go ahead, any "do not show" must be about what staff do themselves.
        for line in lines:
            if FORBIDS_LOOKING.search(line):
                assert re.search(r"yourself|release no records|footage yourself", line), line


def test_the_default_screen_is_safe_whatever_is_presented():
    lines = texts(CaseFacts())
    forbids = [line for line in lines if FORBIDS_LOOKING.search(line)]
    assert forbids, "the default keeps staff from handing records over"
    assert all("yourself" in line for line in forbids)
    assert any(JUDGES_WARRANT_ANSWER.search(line) for line in lines)


@pytest.mark.parametrize("via", RECEIVED_VIA)
def test_the_judicial_warrant_screen_never_tells_staff_to_stop_a_search(via):
    lines = texts(CaseFacts(presented="search_warrant", received_via=via))
    joined = " ".join(lines)
    assert not [line for line in lines if FORBIDS_LOOKING.search(line)]
    assert "do not block, hide, move or delete anything" in joined
    if via in ("in_person", "served"):
        assert "step aside and do not interfere" in joined
        assert "complete copy of the warrant with all its attachments" in joined


def test_the_administrative_warrant_screen():
    joined = " ".join(texts(CaseFacts(presented="admin_warrant", received_via="in_person")))
    assert "not a judge's warrant" in joined
    assert "I do not consent to a search of staff-only areas" in joined
    assert "Never physically block anyone" in joined
    assert "release no records" in joined
    assert PLAYBOOK.presentations["admin_warrant"].urgent


def test_not_sure_who_signed_it_takes_the_careful_path():
    joined = " ".join(texts(CaseFacts(presented="warrant_unsure", received_via="in_person")))
    assert "wait for the responsible officer" in joined
    assert "Never physically block anyone" in joined
    assert "Do not consent to a search, and release no records" in joined


@pytest.mark.parametrize("via", RECEIVED_VIA)
def test_the_emergency_screen_starts_with_911(via):
    lines = texts(CaseFacts(presented="emergency", received_via=via))
    assert lines[0] == "If someone is in danger here, call 911 now."


@pytest.mark.parametrize("via", ["phone", "email"])
def test_requests_by_phone_or_email_are_verified_by_calling_the_published_number(via):
    joined = " ".join(texts(CaseFacts(presented="nothing", received_via=via)))
    assert "published number" in joined
    assert "not even whether someone is or was a user" in joined
    assert "Stay calm and polite" not in joined  # nobody is at the desk


def test_mail_and_service_note_the_date_and_who_by_role():
    mail = " ".join(texts(CaseFacts(presented="subpoena", received_via="mail")))
    assert "date it arrived and who opened it (by role" in mail
    served = " ".join(texts(CaseFacts(presented="subpoena", received_via="served")))
    assert "who served it and who received it (by role)" in served


def test_parents_and_camera_footage_defer_to_the_states_rules():
    parent = " ".join(texts(CaseFacts(presented="nothing", requester_kind="parent")))
    assert "your state's rules" in parent
    camera = " ".join(texts(CaseFacts(presented="nothing", record_category="camera")))
    assert "Camera footage" in camera and "your state's rules" in camera


def test_no_built_in_text_states_what_the_law_is():
    words = [line.text for line in PLAYBOOK.all_lines()]
    words += [PLAYBOOK.disclaimer, PLAYBOOK.hold_reminder]
    words += [p.label for p in PLAYBOOK.presentations.values()]
    for text in words:
        assert not LAW_AS_FACT.search(text), text


def test_every_built_in_line_step_and_presentation_names_its_source():
    for line in PLAYBOOK.all_lines():
        assert line.source and LIBRARY_SOURCE not in line.source, line.text
        assert all(s in PLAYBOOK.sources for s in line.source), line.source
    for step in PLAYBOOK.steps:
        assert step.source != [LIBRARY_SOURCE], step.id
    for key, presentation in PLAYBOOK.presentations.items():
        assert presentation.source != [LIBRARY_SOURCE], key


def test_the_officers_steps_for_gagged_orders_and_emergencies():
    gagged = {s.step.id: s.wording for s in applicable_steps(PLAYBOOK, "gagged_order")}
    assert "real nondisclosure requirement exists" in gagged["consult_counsel"]
    assert '"don\'t tell anyone" is not one' in gagged["consult_counsel"]
    assert "applies to them too" in gagged["consult_counsel"]
    emergency = {s.step.id: s.wording for s in applicable_steps(PLAYBOOK, "emergency")}
    assert "calling the agency back on its published number" in emergency["consult_counsel"]
    assert "in writing" in emergency["consult_counsel"]
    assert "release only the minimum" in emergency["consult_counsel"]


def test_ferpa_reminder_only_for_school_and_academic_subpoenas():
    def counsel_step(kind: str, presented: str) -> str:
        facts = CaseFacts(presented=presented, library_kind=kind)  # type: ignore[arg-type]
        steps = applicable_steps(PLAYBOOK, presented, {}, facts)
        return next(s.wording for s in steps if s.step.id == "consult_counsel")

    assert "FERPA" in counsel_step("school", "subpoena")
    assert "FERPA" in counsel_step("academic", "admin_subpoena")
    assert "FERPA" not in counsel_step("public", "subpoena")
    assert "FERPA" not in counsel_step("school", "search_warrant")


def test_who_signed_it_decides_which_warrant_or_subpoena():
    assert resolve_presentation(PLAYBOOK, "search_warrant", "court") == "search_warrant"
    assert resolve_presentation(PLAYBOOK, "search_warrant", "agency") == "admin_warrant"
    assert resolve_presentation(PLAYBOOK, "search_warrant", "unsure") == "warrant_unsure"
    assert resolve_presentation(PLAYBOOK, "search_warrant", "none") == "warrant_unsure"
    assert resolve_presentation(PLAYBOOK, "subpoena", "agency") == "admin_subpoena"
    assert resolve_presentation(PLAYBOOK, "subpoena", "unsure") == "subpoena"
    assert resolve_presentation(PLAYBOOK, "search_warrant", None) == "search_warrant"


def test_every_choice_fits_a_chat_choice_list():
    labels = [p.choice_label for p in PLAYBOOK.offered_presentations().values()]
    labels += [*PLAYBOOK.signers.values(), *PLAYBOOK.received_via.values()]
    assert all(len(label) <= 75 for label in labels)


# -- through the handlers and both channels' renderings ---------------------------------


@pytest.fixture
def staff_services(tmp_path: Path, clock):
    built = build_services(load_default_settings(), tmp_path / "g.db", clock=clock)
    yield built
    built.store.close()


def rendered(view) -> list[str]:
    """The view as the terminal, Slack and Teams show it."""
    return [render(view), str(message_blocks(view)), str(view_card(view))]


DOCUMENTS = ("subpoena", "search_warrant", "court_order", "gagged_order")
INTAKES = [
    IntakeDetails(p, "police", True, "circulation", "", via, sign)
    for p in PLAYBOOK.offered_presentations()
    for via in ("in_person", "phone")
    for sign in (("court", "agency", "unsure") if p in DOCUMENTS else ("none",))
]


@pytest.mark.parametrize(
    "details", INTAKES, ids=lambda d: f"{d.presented}-{d.received_via}-{d.signed_by}"
)
async def test_every_screen_a_reporter_sees_follows_the_rules(staff_services, details):
    staff = Actor("console", "desk-1")
    opened = await report_inquiry(staff_services, staff)
    assert opened.case_id is not None
    screens = [opened.view]
    intake = await submit_intake(staff_services, staff, opened.case_id, details)
    assert not intake.refused, intake.view
    screens += [intake.view, (await show_case(staff_services, staff, opened.case_id)).view]
    screens.append((await status(staff_services, staff)).view)
    case_presented = resolve_presentation(PLAYBOOK, details.presented, details.signed_by)
    for view in screens:
        for shown in rendered(view):
            assert not LAW_AS_FACT.search(shown)
            if case_presented == "search_warrant":
                assert "Do not hand over or show any record or screen." not in shown
            if case_presented == "gagged_order":
                assert "has it" not in shown and "has acknowledged" not in shown
    if case_presented == "emergency":
        first = intake.view.sections[0].lines[0]
        assert first == "If someone is in danger here, call 911 now."


async def test_a_gagged_reporter_is_told_the_officer_has_it_only_after_an_acknowledgement(
    staff_services, clock
):
    staff = Actor("console", "desk-1")
    notifier = RecordingNotifier()
    pager = Pager(staff_services, {"console": notifier})
    opened = await report_inquiry(staff_services, staff)
    case_id = opened.case_id
    assert case_id is not None
    details = IntakeDetails("gagged_order", "federal_agent", True, "circulation", "", "in_person")
    intake = await submit_intake(staff_services, staff, case_id, details)
    await pager.run_once()
    before = [intake.view, (await show_case(staff_services, staff, case_id)).view]
    before += [d.view for d in notifier.sent if d.address == "desk-1"]
    for view in before:
        text = render(view)
        assert "has it" not in text and "acknowledged" not in text, text
        assert "being paged" in text or "restricted" in text.lower()
    assert any("Tell no one about this request except" in render(v) for v in before)

    officer = Actor("console", staff_services.settings.officers[0].key)
    await acknowledge_page(staff_services, officer, case_id)
    await pager.run_once()
    after = render((await show_case(staff_services, staff, case_id)).view)
    assert "The responsible officer has it." in after


async def test_urgent_presentations_escalate_sooner(staff_services, clock):
    settings = staff_services.settings
    notifier = RecordingNotifier()
    pager = Pager(staff_services, {"console": notifier})
    staff = Actor("console", "desk-1")
    opened = await report_inquiry(staff_services, staff)
    details = IntakeDetails(
        "search_warrant", "federal_agent", True, "internet", "", "in_person", "court"
    )
    clock.advance(30)  # the form takes half a minute
    await submit_intake(staff_services, staff, opened.case_id or "", details)
    await pager.run_once()
    second = settings.officers[1].key
    clock.advance(settings.escalation.urgent_ack_timeout.total_seconds() - 31)
    await pager.run_once()
    assert notifier.kinds_to(second) == []
    clock.advance(1)
    await pager.run_once()
    assert notifier.kinds_to(second) == ["page"]  # 2 minutes after the report, not 5


async def test_an_impossible_intake_is_refused_with_a_clear_message(staff_services):
    staff = Actor("console", "desk-1")
    opened = await report_inquiry(staff_services, staff)
    bad = IntakeDetails("nothing", "police", True, "circulation", "", "in_person", "court")
    reply = await submit_intake(staff_services, staff, opened.case_id or "", bad)
    assert reply.refused
    assert "also said who signed a document" in " ".join(reply.view.lines)
    unknown = IntakeDetails(
        "subpoena", "police", True, "circulation", "", "carrier pigeon", "court"
    )
    reply = await submit_intake(staff_services, staff, opened.case_id or "", unknown)
    assert reply.refused and "how the request came" in " ".join(reply.view.lines)


async def test_officers_see_the_states_rules_that_counsel_wrote(tmp_path, clock):
    law = StateLaw(statute="Example Stat. 43.30", before_disclosure="a court order")
    settings = load_default_settings().model_copy(update={"state_law": law})
    services = build_services(settings, tmp_path / "law.db", clock=clock)
    try:
        staff = Actor("console", "desk-1")
        officer = Actor("console", settings.officers[0].key)
        opened = await report_inquiry(services, staff)
        case_id = opened.case_id or ""
        await submit_intake(
            services, staff, case_id, IntakeDetails("subpoena", "lawyer", False, "circulation")
        )
        officer_card = render((await show_case(services, officer, case_id)).view)
        assert "Statute: Example Stat. 43.30" in officer_card
        assert "Before any disclosure: a court order" in officer_card
        staff_card = render((await show_case(services, staff, case_id)).view)
        assert "Example Stat." not in staff_card
    finally:
        services.store.close()


async def test_the_first_reply_is_the_safe_default(staff_services):
    opened = await report_inquiry(staff_services, Actor("console", "desk-1"))
    view = guidance_view(staff_services, None)
    assert opened.view.sections[0].lines == view.sections[0].lines
    assert any(JUDGES_WARRANT_ANSWER.search(line) for line in view.sections[0].lines)
