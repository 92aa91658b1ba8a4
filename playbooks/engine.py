"""Pure procedure logic: which steps apply, with what wording, and what comes next. No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from playbooks.model import CaseFacts, Line, Playbook, Step

StepState = Literal["pending", "done", "not_applicable"]
DONE: StepState = "done"
NOT_APPLICABLE: StepState = "not_applicable"
PENDING: StepState = "pending"
FINISHED: tuple[StepState, ...] = (DONE, NOT_APPLICABLE)


@dataclass(frozen=True)
class ApplicableStep:
    """A step as it applies to one case: its wording for the case's facts, and its state."""

    step: Step
    lines: tuple[Line, ...]
    state: StepState

    @property
    def wording(self) -> str:
        return " ".join(line.text for line in self.lines)


def applicable_steps(
    playbook: Playbook,
    presented: str,
    states: Mapping[str, StepState] | None = None,
    facts: CaseFacts | None = None,
) -> list[ApplicableStep]:
    """The steps that apply to a case, in order, with wording (and notes) and state."""
    known = states or {}
    return [
        ApplicableStep(step, tuple(step_lines(step, presented, facts)), known.get(step.id, PENDING))
        for step in sorted(playbook.steps, key=lambda s: s.number)
        if presented in step.applies_to
    ]


def step_lines(step: Step, presented: str, facts: CaseFacts | None = None) -> list[Line]:
    """A step's wording for what was presented, then the notes the case's facts call for."""
    notes = [note for note in step.notes if facts is not None and note.when.matches(facts)]
    return [step.wording(presented), *notes]


def resolve_presentation(playbook: Playbook, presented: str, signer: str | None) -> str:
    """What was presented, refined by who signed it (a warrant an agency officer signed is an
    administrative warrant); `None` when nobody was asked leaves it as chosen."""
    presentation = playbook.presentation(presented)
    if signer is None:
        return presented
    return presentation.by_signer.get(signer, presented)  # type: ignore[call-overload]


def first_screen(playbook: Playbook, facts: CaseFacts) -> list[Line]:
    """What staff read first, in order: any lead line (call 911), how the request came, what
    to say and do, the notes the facts call for, and what not to do. A presentation's screen
    replaces the default whole, so no line of one contradicts a line of the other."""
    guide = playbook.immediate_guidance
    screen = (
        guide.by_presentation.get(facts.presented, guide.default)
        if facts.presented
        else (guide.default)
    )
    remote = [] if facts.at_desk else guide.not_at_desk.get(facts.received_via, [])  # type: ignore[arg-type]
    say = [line for line in screen.say if facts.at_desk or not line.at_desk]
    notes = [note for note in guide.notes if note.when.matches(facts)]
    lead = [line for line in say if line.lead]
    return [*lead, *remote, *(line for line in say if not line.lead), *notes, *screen.do_not]


def may_act(step: Step, role: str) -> bool:
    """Staff steps are anyone's; officer and counsel steps belong to officers and counsel."""
    if step.actor == "staff":
        return True
    return role in ("officer", "counsel")


def next_step_for_role(
    playbook: Playbook, presented: str, states: Mapping[str, StepState], role: str
) -> Step | None:
    """The first unfinished step this role may act on, or None."""
    for item in applicable_steps(playbook, presented, states):
        if item.state not in FINISHED and may_act(item.step, role):
            return item.step
    return None


def outstanding_steps(
    playbook: Playbook, presented: str, states: Mapping[str, StepState]
) -> list[Step]:
    """Required steps not yet done or marked not applicable."""
    return [
        item.step
        for item in applicable_steps(playbook, presented, states)
        if item.step.required_to_close and item.state not in FINISHED
    ]


def may_close(playbook: Playbook, presented: str, states: Mapping[str, StepState]) -> bool:
    return not outstanding_steps(playbook, presented, states)
