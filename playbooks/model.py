"""The playbook schema, and loading the built-in playbook with a library's overrides."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from playbooks.yamlfile import FileProblems, Problem, load_yaml, problems_from_validation

BUILTIN_PLAYBOOK = Path(__file__).with_name("ala-confidentiality.yaml")

Presented = Literal[
    "nothing",
    "subpoena",
    "search_warrant",
    "court_order",
    "gagged_order",
    "emergency",
    "threat",
    "not_sure",
]
PRESENTED: tuple[str, ...] = Presented.__args__  # type: ignore[attr-defined]
GuidanceKey = Literal[
    "default",
    "nothing",
    "subpoena",
    "search_warrant",
    "court_order",
    "gagged_order",
    "emergency",
    "threat",
    "not_sure",
]
Role = Literal["staff", "officer", "counsel"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Presentation(_Strict):
    """What the requester presented, and what that means for the case."""

    label: str = Field(min_length=1, max_length=150)
    unauthorized: bool = False  # logged as an unauthorized demand
    legal_process: bool = False  # puts the case on legal hold
    restricted: bool = False  # only officers and counsel see it
    urgent: bool = False  # counsel is paged at once too


class Step(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    number: int = Field(ge=1, le=99)
    title: str = Field(min_length=1, max_length=150)
    actor: Role
    applies_to: list[Presented] = Field(min_length=1)
    required_to_close: bool = True
    guidance: dict[GuidanceKey, str]

    @model_validator(mode="after")
    def _has_default_wording(self) -> Step:
        if "default" not in self.guidance:
            raise ValueError(
                f"step '{self.id}' needs guidance.default, the wording used by default"
            )
        return self

    def wording(self, presented: str) -> str:
        return self.guidance.get(presented) or self.guidance["default"]


class ImmediateGuidance(_Strict):
    say: list[str] = Field(min_length=1)
    do_not: list[str] = Field(min_length=1)
    by_presentation: dict[Presented, list[str]] = {}


class LocalContact(_Strict):
    name: str = Field(min_length=1, max_length=80)
    phone: str | None = None
    note: str = Field(default="", max_length=200)


class Playbook(_Strict):
    id: str
    title: str
    disclaimer: str
    hold_reminder: str
    presentations: dict[Presented, Presentation]
    requester_kinds: dict[str, str] = Field(min_length=1)
    record_categories: dict[str, str] = Field(min_length=1)
    outcomes: dict[str, str] = Field(min_length=1)
    immediate_guidance: ImmediateGuidance
    steps: list[Step] = Field(min_length=1)
    contacts: list[LocalContact] = []

    @model_validator(mode="after")
    def _complete_and_consistent(self) -> Playbook:
        missing = [k for k in PRESENTED if k not in self.presentations]
        if missing:
            raise ValueError(f"presentations is missing {', '.join(missing)}")
        ids = [s.id for s in self.steps]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"step ids must be unique; repeated: {', '.join(dupes)}")
        return self

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


class StepOverride(_Strict):
    id: str
    number: int | None = None
    title: str | None = None
    actor: Role | None = None
    applies_to: list[Presented] | None = None
    required_to_close: bool | None = None
    guidance: dict[GuidanceKey, str] | None = None


class PresentationOverride(_Strict):
    label: str | None = None
    unauthorized: bool | None = None
    legal_process: bool | None = None
    restricted: bool | None = None
    urgent: bool | None = None


class ImmediateGuidanceOverride(_Strict):
    say: list[str] | None = None
    do_not: list[str] | None = None
    by_presentation: dict[Presented, list[str]] | None = None


class PlaybookOverride(_Strict):
    """A library's file: only what it changes. Steps are matched by id; contacts are added."""

    title: str | None = None
    disclaimer: str | None = None
    hold_reminder: str | None = None
    presentations: dict[Presented, PresentationOverride] | None = None
    requester_kinds: dict[str, str] | None = None
    record_categories: dict[str, str] | None = None
    outcomes: dict[str, str] | None = None
    immediate_guidance: ImmediateGuidanceOverride | None = None
    steps: list[StepOverride] | None = None
    contacts: list[LocalContact] | None = None


def load_playbook(overrides: list[Path] = ()) -> Playbook:  # type: ignore[assignment]
    """The built-in playbook with each override file layered on in order.

    Raises FileProblems naming the file, the path inside it and what was expected.
    """
    base, base_lines = load_yaml(BUILTIN_PLAYBOOK)
    merged = copy.deepcopy(base)
    problems: list[Problem] = []
    for path in overrides:
        try:
            data, lines = load_yaml(path)
        except FileProblems as exc:
            problems.extend(exc.problems)
            continue
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(Problem(str(path), "", 1, "a playbook file must be a mapping of keys"))
            continue
        try:
            PlaybookOverride.model_validate(data)
        except ValidationError as exc:
            problems.extend(problems_from_validation(str(path), exc, lines))
            continue
        problems.extend(_merge(merged, data, str(path), lines))
    if problems:
        raise FileProblems(problems)
    try:
        return Playbook.model_validate(merged)
    except ValidationError as exc:
        name = str(overrides[-1]) if overrides else str(BUILTIN_PLAYBOOK)
        raise FileProblems(
            problems_from_validation(name, exc, {} if overrides else base_lines)
        ) from None


def _merge(target: dict, override: dict, file: str, lines: dict[tuple, int]) -> list[Problem]:
    problems = []
    for key, value in override.items():
        if key == "steps":
            problems.extend(_merge_steps(target["steps"], value, file, lines))
        elif key == "contacts":
            target.setdefault("contacts", []).extend(value)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = value
    return problems


def _merge_steps(steps: list[dict], overrides: list[dict], file: str, lines) -> list[Problem]:
    problems = []
    by_id = {s["id"]: s for s in steps}
    for index, override in enumerate(overrides):
        existing = by_id.get(override["id"])
        if existing is not None:
            _deep_update(existing, override)
            continue
        needed = [
            k for k in ("number", "title", "actor", "applies_to", "guidance") if k not in override
        ]
        if needed:
            known = ", ".join(by_id)
            problems.append(
                Problem(
                    file,
                    f"steps[{index}].id",
                    lines.get(("steps", index, "id")),
                    f"no step '{override['id']}' to change (known: {known}); a new step "
                    f"also needs {', '.join(needed)}",
                )
            )
            continue
        steps.append(override)
        by_id[override["id"]] = override
    steps.sort(key=lambda s: s["number"])
    return problems


def _deep_update(target: dict, override: dict) -> None:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = value
