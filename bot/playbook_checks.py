"""`patronguard check` for playbook files: each file on its own, so one file's mistakes
never hide another's, and every problem has its file, line and fix."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from playbooks.model import BUILTIN_PLAYBOOK, PlaybookOverride, load_playbook
from playbooks.review import ReviewPlaybook, load_review
from playbooks.yamlfile import (
    FileProblems,
    Problem,
    load_yaml,
    problems_from_validation,
    suggest_keys,
)

NEW_STEP_NEEDS = ("number", "title", "actor", "applies_to", "guidance")


def playbook_problems(paths: list[Path]) -> list[Problem]:
    """Every problem in the override files, then in their layering together."""
    found = [problem for path in paths for problem in _one_file(path)]
    if not found and len(paths) > 1:
        try:  # each file is fine alone; layered in order they must still make a playbook
            load_playbook(paths)
        except FileProblems as exc:
            found.extend(exc.problems)
    return found


def review_problems(path: Path) -> list[Problem]:
    """Problems in a library's own retention-review checklist."""
    try:
        load_review(path)
    except FileProblems as exc:
        return suggest_keys(exc.problems, ReviewPlaybook)
    return []


def _one_file(path: Path) -> list[Problem]:
    try:
        data, lines = load_yaml(path)
    except FileProblems as exc:
        return exc.problems
    if data is None:
        return []
    if not isinstance(data, dict):
        return [Problem(str(path), "", 1, "a playbook file must be a mapping of keys")]
    found: list[Problem] = []
    try:
        PlaybookOverride.model_validate(data)
    except ValidationError as exc:
        found.extend(
            suggest_keys(problems_from_validation(str(path), exc, lines), PlaybookOverride)
        )
    found.extend(_unknown_steps(path, data, lines))
    if found:
        return found
    try:  # the built-in playbook with this file over it must still be whole
        load_playbook([path])
    except FileProblems as exc:
        return [_located(p, lines) for p in exc.problems]
    return []


def _unknown_steps(path: Path, data: dict, lines: dict[tuple, int]) -> list[Problem]:
    """Steps changed by id that the built-in playbook does not have, with the likely id."""
    steps = data.get("steps")
    if not isinstance(steps, list):
        return []
    known = _builtin_step_ids()
    found = []
    for index, step in enumerate(steps):
        if not isinstance(step, dict) or not isinstance(step.get("id"), str):
            continue
        step_id = step["id"]
        needed = [key for key in NEW_STEP_NEEDS if key not in step]
        if step_id in known or not needed:
            continue
        close = difflib.get_close_matches(step_id, known, n=1)
        fix = (
            f"did you mean '{close[0]}'?" if close else f"the built-in steps are {', '.join(known)}"
        )
        message = (
            f"no step '{step_id}' to change: {fix} (a new step also needs {', '.join(needed)})"
        )
        found.append(
            Problem(str(path), f"steps[{index}].id", lines.get(("steps", index, "id")), message)
        )
    return found


def _builtin_step_ids() -> list[str]:
    data: Any = load_yaml(BUILTIN_PLAYBOOK)[0]
    return [step["id"] for step in data["steps"]]


def _located(problem: Problem, lines: dict[tuple, int]) -> Problem:
    """A problem found in the merged playbook, pointed at the top-level key of this file."""
    if problem.line is not None or not problem.loc:
        return problem
    line = lines.get((problem.loc[0],))
    return Problem(problem.file, problem.path, line, problem.message, problem.loc, problem.kind)
