"""Pure procedure logic: which steps apply, with what wording, and what comes next. No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from playbooks.model import Playbook, Step

DONE = "done"
NOT_APPLICABLE = "not_applicable"
PENDING = "pending"
FINISHED = (DONE, NOT_APPLICABLE)


@dataclass(frozen=True)
class ApplicableStep:
    """A step as it applies to one case: its wording for what was presented, and its state."""

    step: Step
    wording: str
    state: str


def applicable_steps(
    playbook: Playbook, presented: str, states: Mapping[str, str] | None = None
) -> list[ApplicableStep]:
    """The steps that apply to a case, in order, with wording and state."""
    states = states or {}
    return [
        ApplicableStep(step, step.wording(presented), states.get(step.id, PENDING))
        for step in sorted(playbook.steps, key=lambda s: s.number)
        if presented in step.applies_to
    ]


def may_act(step: Step, role: str) -> bool:
    """Staff steps are anyone's; officer and counsel steps belong to officers and counsel."""
    if step.actor == "staff":
        return True
    return role in ("officer", "counsel")


def next_step_for_role(
    playbook: Playbook, presented: str, states: Mapping[str, str], role: str
) -> Step | None:
    """The first unfinished step this role may act on, or None."""
    for item in applicable_steps(playbook, presented, states):
        if item.state not in FINISHED and may_act(item.step, role):
            return item.step
    return None


def outstanding_steps(playbook: Playbook, presented: str, states: Mapping[str, str]) -> list[Step]:
    """Required steps not yet done or marked not applicable."""
    return [
        item.step
        for item in applicable_steps(playbook, presented, states)
        if item.step.required_to_close and item.state not in FINISHED
    ]


def may_close(playbook: Playbook, presented: str, states: Mapping[str, str]) -> bool:
    return not outstanding_steps(playbook, presented, states)


def immediate_guidance(playbook: Playbook, presented: str | None) -> tuple[list[str], list[str]]:
    """What staff say and must not do, with any lines for what was presented first."""
    guide = playbook.immediate_guidance
    extra = guide.by_presentation.get(presented, []) if presented else []
    return [*extra, *guide.say], list(guide.do_not)
