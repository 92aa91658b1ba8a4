"""Platform-neutral views: what handlers return and every channel knows how to render."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Action ids carried by buttons; channels pass them back unchanged.
ACK_PAGE = "ack_page"
ACK_CASE = "ack_case"  # on a case card: acknowledging keeps the card, steps and all
STEP_DONE = "step_done"
STEP_NOT_APPLICABLE = "step_na"
OPEN_INTAKE = "open_intake"
OPEN_CLOSE = "open_close"
OPEN_CASE = "open_case"
REPORT = "report"
RELEASE_HOLD = "release_hold"
REVIEW_DONE = "review_done"
OPEN_PROCESS = "open_process"  # the record of legal process (a form)
OPEN_RELEASE = "open_release"  # the production log (a form)
RESPONSE_SENT = "response_sent"  # the deadline clock stops
PRESERVE = "preserve"  # keep the records after an informal request, for a set time
EXTEND_PRESERVATION = "extend_preservation"
REMINDER_SEEN = "reminder_seen"
ACTIONS = (
    ACK_PAGE,
    ACK_CASE,
    STEP_DONE,
    STEP_NOT_APPLICABLE,
    OPEN_INTAKE,
    OPEN_CLOSE,
    OPEN_CASE,
    REPORT,
    RELEASE_HOLD,
    REVIEW_DONE,
    OPEN_PROCESS,
    OPEN_RELEASE,
    RESPONSE_SENT,
    PRESERVE,
    EXTEND_PRESERVATION,
    REMINDER_SEEN,
)

INFO = "info"
WARNING = "warning"
REFUSAL = "refusal"
SUCCESS = "success"


@dataclass(frozen=True)
class Button:
    label: str
    action: str
    value: str = ""
    style: str | None = None  # "primary" or "danger"


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[str, ...]
    bulleted: bool = True
    numbered: bool = False  # steps a reader follows in order: 1., 2., ...

    def marked_lines(self) -> tuple[str, ...]:
        """The lines with their numbers or bullets, as every channel shows them."""
        if self.numbered:
            return tuple(f"{i}. {line}" for i, line in enumerate(self.lines, 1))
        return tuple(f"• {line}" if self.bulleted else line for line in self.lines)


@dataclass(frozen=True)
class StepItem:
    number: int
    step_id: str
    title: str
    actor: str
    state: Literal["pending", "done", "not_applicable"]
    wording: str
    state_note: str = ""
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


# What a yes/no field offers and sends back, on every channel.
YES, NO = "yes", "no"
YES_NO = (Choice(YES, "Yes"), Choice(NO, "No"))


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: Literal["choice", "text", "yes_no", "date", "number"]
    choices: tuple[Choice, ...] = ()
    required: bool = True
    max_length: int | None = None
    hint: str | None = None
    initial: str | None = None


@dataclass(frozen=True)
class Form:
    form_id: str  # intake or close
    title: str
    submit_label: str
    case_id: str
    fields: tuple[FormField, ...]
    intro: str = ""


@dataclass(frozen=True)
class View:
    """One message or card: a title, a few short sections, facts, steps and buttons."""

    title: str
    lines: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    facts: tuple[Fact, ...] = ()
    steps: tuple[StepItem, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str = ""
    tone: str = INFO
    banner: str = ""  # DRILL, RESTRICTED: shown first, on every surface
    case_id: str | None = None
    urgent: bool = False  # channels mark it, and notifications say so first
    restricted: bool = False  # under a nondisclosure order: notifications name only the id

    def notification_text(self) -> str:
        """What a lock screen, a notification preview or a screen reader says first.

        Decided here, once, for every channel: a restricted case gives only its id.
        """
        drill = "[DRILL] " if "DRILL" in self.banner else ""
        urgent = "URGENT: " if self.urgent else ""
        if self.restricted:
            return f"{drill}{urgent}[RESTRICTED] Case {self.case_id or ''}".strip()
        first = self.lines[:1] or next((s.lines[:1] for s in self.sections if s.lines), ())
        return drill + urgent + " ".join((self.title, *first)).strip()


@dataclass(frozen=True)
class Reply:
    """What a handler returns: the view for the person acting, and an optional form."""

    view: View
    form: Form | None = None
    case_id: str | None = None
    refused: bool = False
    field: str | None = None  # the form field a refusal is about
    replayed: bool = False  # a retried delivery, already answered: send nothing again


def refusal(
    message: str,
    *,
    title: str = "Not allowed",
    case_id: str | None = None,
    field: str | None = None,
) -> Reply:
    view = View(title=title, lines=(message,), tone=REFUSAL, case_id=case_id)
    return Reply(view, case_id=case_id, refused=True, field=field)


REPLAYED = Reply(View(title=""), replayed=True)
