"""The playbook schema, and loading the built-in playbook with a library's overrides."""

from __future__ import annotations

import copy
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from playbooks.yamlfile import FileProblems, Problem, load_yaml, problems_from_validation

BUILTIN_PLAYBOOK = Path(__file__).with_name("ala-confidentiality.yaml")

Presented = Literal[
    "nothing",
    "subpoena",
    "admin_subpoena",
    "search_warrant",
    "admin_warrant",
    "warrant_unsure",
    "court_order",
    "gagged_order",
    "emergency",
    "threat",
    "not_sure",
]
PRESENTED: tuple[Presented, ...] = typing.get_args(Presented)
GuidanceKey = Literal[
    "default",
    "nothing",
    "subpoena",
    "admin_subpoena",
    "search_warrant",
    "admin_warrant",
    "warrant_unsure",
    "court_order",
    "gagged_order",
    "emergency",
    "threat",
    "not_sure",
]
# The intake's answer to "Is it signed by a judge or magistrate, and does it name a court?"
Signer = Literal["court", "agency", "unsure", "none"]
SIGNERS: tuple[Signer, ...] = typing.get_args(Signer)
ReceivedVia = Literal["in_person", "phone", "email", "mail", "served"]
RECEIVED_VIA: tuple[ReceivedVia, ...] = typing.get_args(ReceivedVia)
# Requests that did not come to the desk: lines about the person in front of staff drop out.
NOT_AT_DESK: frozenset[str] = frozenset({"phone", "email", "mail"})
LibraryKind = Literal["public", "school", "academic"]
# The record of legal process: what was served and by whom, as fixed categories.
ProcessKind = Literal[
    "judicial_subpoena",
    "administrative_subpoena",
    "judicial_warrant",
    "administrative_warrant",
    "court_order",
    "national_security_letter",
    "fisa_content_order",
    "fisa_noncontent_order",
    "other_gag_order",
]
PROCESS_KINDS: tuple[ProcessKind, ...] = typing.get_args(ProcessKind)
# Counted for the public only in the ranges of 50 U.S.C. 1874(a); NSLs first, then FISA.
NATIONAL_SECURITY: tuple[ProcessKind, ...] = (
    "national_security_letter",
    "fisa_content_order",
    "fisa_noncontent_order",
)
OTHER_GAG_ORDER: ProcessKind = "other_gag_order"
# Process that carries a nondisclosure requirement: the case becomes restricted.
NONDISCLOSURE: frozenset[ProcessKind] = frozenset({*NATIONAL_SECURITY, OTHER_GAG_ORDER})
Authority = Literal[
    "state_court",
    "federal_court",
    "grand_jury",
    "federal_agency",
    "state_agency",
    "immigration_agency",
    "other",
]
AUTHORITIES: tuple[Authority, ...] = typing.get_args(Authority)
ProcessReceived = Literal["in_person", "mail", "email", "served"]
PROCESS_RECEIVED: tuple[ProcessReceived, ...] = typing.get_args(ProcessReceived)
Role = Literal["staff", "officer", "counsel"]
StepForm = Literal["process", "release"]
LIBRARY_SOURCE = "library"  # the source of wording a library's own file gives without one
# What a form offers must fit every channel's choice list (Slack's options: 75 characters).
CHOICE_MAX = 75
ChoiceLabel = Annotated[str, Field(min_length=1, max_length=CHOICE_MAX)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseFacts(_Strict):
    """What wording depends on: the facts intake recorded, and the kind of library."""

    presented: Presented | None = None
    received_via: ReceivedVia | None = None
    requester_kind: str | None = None
    record_category: str | None = None
    library_kind: LibraryKind = "public"

    @property
    def at_desk(self) -> bool:
        return self.received_via not in NOT_AT_DESK


class Line(_Strict):
    """One thing a person reads, with the sources it rests on (ids from `sources`)."""

    text: str = Field(min_length=1, max_length=600)
    source: list[str] = Field(default=[LIBRARY_SOURCE], min_length=1)
    at_desk: bool = False  # only when the requester is (or may be) in front of staff
    lead: bool = False  # always the first line of its screen (e.g. "call 911")

    @model_validator(mode="before")
    @classmethod
    def _from_plain_text(cls, value: Any) -> Any:
        # A library's own file may give plain sentences; their source is the library.
        return {"text": value} if isinstance(value, str) else value


class Condition(_Strict):
    """When a note applies: every listed fact must be known and among the values given."""

    presented: list[Presented] | None = None
    received_via: list[ReceivedVia] | None = None
    requester_kind: list[str] | None = None
    record_category: list[str] | None = None
    library_kind: list[LibraryKind] | None = None

    def matches(self, facts: CaseFacts) -> bool:
        wanted = self.model_dump(exclude_none=True)
        return all(getattr(facts, name) in values for name, values in wanted.items())


class Note(Line):
    """A line added where its condition holds (how the request came, who asked, ...)."""

    when: Condition


class Screen(_Strict):
    """The first thing staff read: what to say and do, then what not to do."""

    say: list[Line] = Field(min_length=1)
    do_not: list[Line] = []


class Presentation(_Strict):
    """What the requester presented, and what that means for the case."""

    label: str = Field(min_length=1, max_length=150)
    intake_label: ChoiceLabel | None = None  # the form's wording, when the label is long
    offered: bool = True  # a choice on the intake form; else reached through by_signer
    document: bool = True  # something was shown or served, so "who signed it" applies
    by_signer: dict[Signer, Presented] = {}  # e.g. a warrant an agency officer signed
    unauthorized: bool = False  # logged as an unauthorized demand
    legal_process: bool = False  # puts the case on legal hold
    restricted: bool = False  # only officers and counsel see it
    urgent: bool = False  # counsel is paged at once too, and escalation is faster
    source: list[str] = Field(default=[LIBRARY_SOURCE], min_length=1)

    @property
    def choice_label(self) -> str:
        return self.intake_label or self.label


class Step(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    number: int = Field(ge=1, le=99)
    title: str = Field(min_length=1, max_length=150)
    actor: Role
    applies_to: list[Presented] = Field(min_length=1)
    required_to_close: bool = True
    guidance: dict[GuidanceKey, Line]
    notes: list[Note] = []
    source: list[str] = Field(default=[LIBRARY_SOURCE], min_length=1)
    form: StepForm | None = None  # a form the step's card offers (the record of process, ...)

    @model_validator(mode="after")
    def _has_default_wording(self) -> Step:
        if "default" not in self.guidance:
            raise ValueError(
                f"step '{self.id}' needs guidance.default, the wording used by default"
            )
        return self

    def wording(self, presented: str | None) -> Line:
        found = self.guidance.get(presented) if presented else None  # type: ignore[call-overload]
        return found or self.guidance["default"]


class ImmediateGuidance(_Strict):
    default: Screen
    by_presentation: dict[Presented, Screen] = {}
    not_at_desk: dict[ReceivedVia, list[Line]] = {}
    notes: list[Note] = []


class LocalContact(_Strict):
    name: str = Field(min_length=1, max_length=80)
    phone: str | None = None
    note: str = Field(default="", max_length=200)


class AppliedOverride(_Strict):
    """A library file layered over the built-in playbook, and what it changed."""

    file: str
    changed: tuple[str, ...]


class Playbook(_Strict):
    id: str
    title: str
    disclaimer: str
    hold_reminder: str
    sources: dict[str, str] = Field(min_length=1)
    presentations: dict[Presented, Presentation]
    signers: dict[Signer, ChoiceLabel]
    received_via: dict[ReceivedVia, ChoiceLabel]
    requester_kinds: dict[str, ChoiceLabel] = Field(min_length=1)
    record_categories: dict[str, ChoiceLabel] = Field(min_length=1)
    process_kinds: dict[ProcessKind, ChoiceLabel]
    authorities: dict[Authority, ChoiceLabel]
    received_how: dict[ProcessReceived, ChoiceLabel]
    served_on: dict[str, ChoiceLabel] = Field(min_length=1)
    outcomes: dict[str, ChoiceLabel] = Field(min_length=1)
    immediate_guidance: ImmediateGuidance
    steps: list[Step] = Field(min_length=1)
    contacts: list[LocalContact] = []
    applied: tuple[AppliedOverride, ...] = ()  # filled in by load_playbook

    @model_validator(mode="after")
    def _complete_and_consistent(self) -> Playbook:
        missing = [k for k in PRESENTED if k not in self.presentations]
        if missing:
            raise ValueError(f"presentations is missing {', '.join(missing)}")
        for key, presentation in self.offered_presentations().items():
            if len(presentation.choice_label) > CHOICE_MAX:
                raise ValueError(
                    f"presentations.{key}: give an intake_label of at most {CHOICE_MAX} "
                    "characters, the wording the intake form offers"
                )
        for name, labels, allowed in (
            ("signers", self.signers, SIGNERS),
            ("received_via", self.received_via, RECEIVED_VIA),
            ("process_kinds", self.process_kinds, PROCESS_KINDS),
            ("authorities", self.authorities, AUTHORITIES),
            ("received_how", self.received_how, PROCESS_RECEIVED),
        ):
            absent = [k for k in allowed if k not in labels]
            if absent:
                raise ValueError(f"{name} is missing {', '.join(absent)}")
        ids = [s.id for s in self.steps]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"step ids must be unique; repeated: {', '.join(dupes)}")
        unknown = sorted(set(self._cited_sources()) - set(self.sources) - {LIBRARY_SOURCE})
        if unknown:
            raise ValueError(
                f"sources has no entry for {', '.join(unknown)}; add it under `sources`"
            )
        return self

    def _cited_sources(self) -> list[str]:
        cited = [s for p in self.presentations.values() for s in p.source]
        for line in self.all_lines():
            cited += line.source
        return cited

    def all_lines(self) -> list[Line]:
        """Every line of wording, for checks and for counsel's review."""
        guide = self.immediate_guidance
        screens = [guide.default, *guide.by_presentation.values()]
        lines = [line for screen in screens for line in (*screen.say, *screen.do_not)]
        lines += [line for group in guide.not_at_desk.values() for line in group]
        lines += guide.notes
        for step in self.steps:
            lines += [*step.guidance.values(), *step.notes]
        return lines

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def presentation(self, key: str) -> Presentation:
        """What was presented, by its stored key; an unknown key reads as "not sure yet"."""
        return self.presentations.get(key, self.presentations["not_sure"])  # type: ignore[call-overload]

    def labels(self, name: str) -> dict[str, str]:
        """A choice list's labels by key: signers, received_via, requester_kinds, ..."""
        found: dict[Any, str] = getattr(self, name)
        return {str(key): label for key, label in found.items()}

    def offered_presentations(self) -> dict[str, Presentation]:
        """The choices the intake form offers, in playbook order."""
        return {k: p for k, p in self.presentations.items() if p.offered}

    def source_title(self, source_id: str) -> str:
        if source_id == LIBRARY_SOURCE and source_id not in self.sources:
            return "The library's own policy"
        return self.sources.get(source_id, source_id)


class StepOverride(_Strict):
    id: str
    number: int | None = None
    title: str | None = None
    actor: Role | None = None
    applies_to: list[Presented] | None = None
    required_to_close: bool | None = None
    guidance: dict[GuidanceKey, Line] | None = None
    notes: list[Note] | None = None
    source: list[str] | None = None
    form: StepForm | None = None


class PresentationOverride(_Strict):
    label: str | None = None
    intake_label: str | None = None
    offered: bool | None = None
    document: bool | None = None
    by_signer: dict[Signer, Presented] | None = None
    unauthorized: bool | None = None
    legal_process: bool | None = None
    restricted: bool | None = None
    urgent: bool | None = None
    source: list[str] | None = None


class ImmediateGuidanceOverride(_Strict):
    default: Screen | None = None
    by_presentation: dict[Presented, Screen] | None = None
    not_at_desk: dict[ReceivedVia, list[Line]] | None = None
    notes: list[Note] | None = None


class PlaybookOverride(_Strict):
    """A library's file: only what it changes. Steps are matched by id; contacts are added."""

    title: str | None = None
    disclaimer: str | None = None
    hold_reminder: str | None = None
    sources: dict[str, str] | None = None
    presentations: dict[Presented, PresentationOverride] | None = None
    signers: dict[Signer, str] | None = None
    received_via: dict[ReceivedVia, str] | None = None
    requester_kinds: dict[str, str] | None = None
    record_categories: dict[str, str] | None = None
    process_kinds: dict[ProcessKind, str] | None = None
    authorities: dict[Authority, str] | None = None
    received_how: dict[ProcessReceived, str] | None = None
    served_on: dict[str, str] | None = None
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
    applied: list[AppliedOverride] = []
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
        applied.append(AppliedOverride(file=str(path), changed=tuple(_changed_paths(data))))
    if problems:
        raise FileProblems(problems)
    try:
        playbook = Playbook.model_validate(merged)
    except ValidationError as exc:
        name = str(overrides[-1]) if overrides else str(BUILTIN_PLAYBOOK)
        raise FileProblems(
            problems_from_validation(name, exc, {} if overrides else base_lines)
        ) from None
    return playbook.model_copy(update={"applied": tuple(applied)})


def _changed_paths(data: dict[str, Any], prefix: str = "") -> list[str]:
    """Where a library file changes the procedure, as dotted paths (steps by id)."""
    found: list[str] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key == "steps" and not prefix and isinstance(value, list):
            for step in value:
                rest = (
                    {k: v for k, v in step.items() if k != "id"} if isinstance(step, dict) else {}
                )
                found += _changed_paths(rest, f"steps.{step.get('id')}.") or [
                    f"steps.{step.get('id')}"
                ]
        elif isinstance(value, dict) and value and "text" not in value:
            found += _changed_paths(value, f"{path}.")
        else:
            found.append(path)
    return found


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
        # A line of wording is replaced whole, so the built-in sources never cling to it.
        if isinstance(value, dict) and "text" not in value and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = value
