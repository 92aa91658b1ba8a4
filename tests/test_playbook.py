from __future__ import annotations

from pathlib import Path

import pytest

from playbooks.engine import (
    applicable_steps,
    may_close,
    next_step_for_role,
    outstanding_steps,
)
from playbooks.model import PRESENTED, load_playbook
from playbooks.yamlfile import FileProblems


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_playbook_has_the_six_steps_in_order():
    playbook = load_playbook()
    assert [s.number for s in playbook.steps] == [1, 2, 3, 4, 5, 6]
    assert [s.actor for s in playbook.steps] == [
        "staff",
        "officer",
        "officer",
        "officer",
        "staff",
        "officer",
    ]


def test_every_presentation_has_step_one_and_its_own_wording_where_it_differs():
    playbook = load_playbook()
    for presented in PRESENTED:
        steps = applicable_steps(playbook, presented)
        assert steps[0].step.id == "refer"
    warrant = {s.step.id: s.wording for s in applicable_steps(playbook, "search_warrant")}
    assert "inventory" in warrant["designated_only"]
    assert "cure_defects" not in warrant


def test_unauthorized_demands_get_step_five_and_legal_process_does_not():
    playbook = load_playbook()
    assert "report_demand" in [s.step.id for s in applicable_steps(playbook, "nothing")]
    assert "report_demand" not in [s.step.id for s in applicable_steps(playbook, "subpoena")]
    assert playbook.presentations["nothing"].unauthorized
    assert playbook.presentations["gagged_order"].restricted
    assert playbook.presentations["subpoena"].legal_process


def test_next_step_for_role_skips_steps_the_role_cannot_take():
    playbook = load_playbook()
    assert next_step_for_role(playbook, "subpoena", {}, "staff").id == "refer"
    assert next_step_for_role(playbook, "subpoena", {"refer": "done"}, "staff") is None
    assert next_step_for_role(playbook, "subpoena", {"refer": "done"}, "officer").id == (
        "consult_counsel"
    )


def test_case_may_close_only_when_required_steps_are_finished():
    playbook = load_playbook()
    states = {"refer": "done"}
    assert not may_close(playbook, "nothing", states)
    assert [s.id for s in outstanding_steps(playbook, "nothing", states)] == ["report_demand"]
    states["report_demand"] = "not_applicable"
    assert may_close(playbook, "nothing", states)  # step 6 is not required to close


def test_override_changes_wording_and_adds_contacts_without_copying(tmp_path):
    path = write(
        tmp_path,
        "local.yaml",
        """
steps:
  - id: consult_counsel
    guidance:
      subpoena: Call Ms. Rivera at the County Attorney's office.
contacts:
  - name: County Attorney duty line
    phone: "+1 555 010 0200"
""",
    )
    playbook = load_playbook([path])
    step = playbook.step("consult_counsel")
    assert step.wording("subpoena").text == "Call Ms. Rivera at the County Attorney's office."
    assert step.wording("subpoena").source == ["library"]  # never the built-in's sources
    assert "legal counsel" in step.wording("court_order").text  # the rest is untouched
    [applied] = playbook.applied
    assert applied.file == str(path)
    assert applied.changed == ("steps.consult_counsel.guidance.subpoena", "contacts")
    assert playbook.contacts[0].phone == "+1 555 010 0200"
    assert len(playbook.steps) == 6


def test_override_typo_names_file_path_line_and_what_was_expected(tmp_path):
    path = write(
        tmp_path,
        "local.yaml",
        """steps:
  - id: consult_counsel
    guidance:
      subpena: Call counsel.
""",
    )
    with pytest.raises(FileProblems) as caught:
        load_playbook([path])
    problem = caught.value.problems[0]
    assert problem.file == str(path)
    assert problem.path == "steps[0].guidance.subpena"
    assert problem.line == 4
    assert "subpoena" in problem.message  # the expected keys are listed


def test_override_of_unknown_step_is_reported_with_known_ids(tmp_path):
    path = write(tmp_path, "local.yaml", "steps:\n  - id: refr\n    title: Refer\n")
    with pytest.raises(FileProblems) as caught:
        load_playbook([path])
    problem = caught.value.problems[0]
    assert problem.path == "steps[0].id" and problem.line == 2
    assert "refer" in problem.message and "no step 'refr'" in problem.message


def test_every_problem_across_files_is_reported_at_once(tmp_path):
    first = write(tmp_path, "a.yaml", "title: 5\nunknown_key: x\n")
    second = write(tmp_path, "b.yaml", "steps: [\n")
    with pytest.raises(FileProblems) as caught:
        load_playbook([first, second])
    messages = [str(p) for p in caught.value.problems]
    assert any("a.yaml:1 at title" in m for m in messages)
    assert any("a.yaml:2 at unknown_key" in m and "unknown key" in m for m in messages)
    assert any("b.yaml" in m and "YAML syntax error" in m for m in messages)


def test_a_new_step_may_be_added_when_complete(tmp_path):
    path = write(
        tmp_path,
        "local.yaml",
        """steps:
  - id: notify_board
    number: 7
    title: Tell the board chair
    actor: officer
    required_to_close: false
    applies_to: [gagged_order]
    guidance:
      default: Tell the chair only that a matter is with counsel.
""",
    )
    playbook = load_playbook([path])
    assert playbook.steps[-1].id == "notify_board"
    assert "notify_board" not in [s.step.id for s in applicable_steps(playbook, "subpoena")]
