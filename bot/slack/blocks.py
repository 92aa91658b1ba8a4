"""Block Kit rendering of handler views: messages, modals and the App Home tab.

Everything is built with slack_sdk's block models and then held to the limits Slack enforces
but the models do not (blocks per surface, characters per text). Text that came from
handlers is escaped for mrkdwn (&, <, >), so an agency typed as "<!channel>" never pings.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Iterable, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View as SlackView

from handlers import views as v

ELLIPSIS = "…"
MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
FIELDS_PER_SECTION = 10
HEADER_MAX = 150
BUTTON_LABEL_MAX = 75
BUTTON_VALUE_MAX = 2000
BUTTONS_PER_ACTIONS = 25
MODAL_TITLE_MAX = 24
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
FALLBACK_TEXT_MAX = 3000
STATE_MARKS = {
    "pending": ":white_large_square:",
    "done": ":white_check_mark:",
    "not_applicable": ":heavy_minus_sign:",
}
TONE_MARKS = {v.REFUSAL: ":no_entry: ", v.WARNING: ":warning: "}
FORM_BUTTONS = {"intake": ("Add details", v.OPEN_INTAKE), "close": ("Close case", v.OPEN_CLOSE)}
# An action id may repeat across blocks but not within one; "#n" keeps them apart.
ACTION_SUFFIX = "#"


def escape(text: str) -> str:
    """Escape the three characters mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """Cut text to `limit` characters ending in "…", never inside an &entity;."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head.rstrip() + ELLIPSIS


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> MarkdownTextObject:
    """Handler text as mrkdwn: escaped, then cut to the limit."""
    return MarkdownTextObject(text=fit(escape(text), limit))


def base_action(action_id: str) -> str:
    """The handler's action id, without the suffix that kept it unique in its block."""
    return action_id.split(ACTION_SUFFIX, 1)[0]


def message_text(view: v.View) -> str:
    """The notification and screen-reader text, as the handlers decided it."""
    return fit(escape(view.notification_text() or "PatronGuard"), FALLBACK_TEXT_MAX)


def message_args(view: v.View, form: v.Form | None = None) -> dict[str, Any]:
    """`blocks` and `text` for a message showing a view.

    A form cannot be shown inside a message, so it becomes the button that opens it (unless
    the view already has that button).
    """
    extra: tuple[v.Button, ...] = ()
    if form is not None and form.form_id in FORM_BUTTONS:
        label, action = FORM_BUTTONS[form.form_id]
        if not any(b.action == action for b in view.buttons):
            extra = (v.Button(label, action, form.case_id),)
    return {"blocks": message_blocks(view, extra_buttons=extra), "text": message_text(view)}


def message_blocks(view: v.View, *, extra_buttons: Sequence[v.Button] = ()) -> list[dict[str, Any]]:
    """A view as message blocks: banner, header, lines, sections, facts, steps, buttons, footer."""
    blocks = list(_view_blocks(view, extra_buttons=extra_buttons))
    return _capped(blocks, MAX_BLOCKS["message"])


def modal_view(form: v.Form, *, intro: v.View | None = None) -> dict[str, Any]:
    """A form as a modal; `callback_id` is the form id, `private_metadata` the case id."""
    # Every case's intake modal is the same but for its case id, and slack_sdk's models
    # revalidate on each to_dict(): build (and check) it once, then fill in the id.
    modal = copy.deepcopy(_modal_for(dataclasses.replace(form, case_id=""), intro))
    modal["private_metadata"] = form.case_id
    return modal


@functools.lru_cache(maxsize=64)
def _modal_for(form: v.Form, intro: v.View | None) -> dict[str, Any]:
    blocks: list[Block] = []
    if intro is not None:
        blocks += _view_blocks(intro, with_header=False)
    if form.intro:
        blocks.append(ContextBlock(elements=[mrkdwn(form.intro)]))
    blocks += [_input_block(field) for field in form.fields]
    if not blocks:  # Slack refuses a view without blocks
        blocks.append(SectionBlock(text=mrkdwn(form.title or "PatronGuard")))
    modal = SlackView(
        type="modal",
        callback_id=form.form_id,
        private_metadata="",
        title=fit(form.title, MODAL_TITLE_MAX),
        submit=fit(form.submit_label, MODAL_TITLE_MAX),
        close="Cancel",
        blocks=_capped(blocks, MAX_BLOCKS["modal"]),
    )
    return modal.to_dict()


def home_view(views: Iterable[v.View]) -> dict[str, Any]:
    """The App Home tab: each view in turn, divided."""
    blocks: list[Block] = []
    for index, view in enumerate(views):
        if index:
            blocks.append(DividerBlock())
        blocks += _view_blocks(view)
    if not blocks:  # Slack refuses a view without blocks
        blocks.append(HeaderBlock(text="PatronGuard"))
    return SlackView(type="home", blocks=_capped(blocks, MAX_BLOCKS["home"])).to_dict()


def _view_blocks(
    view: v.View, *, extra_buttons: Sequence[v.Button] = (), with_header: bool = True
) -> list[Block]:
    blocks: list[Block] = []
    if view.banner.strip():
        # The asterisks are ours; only the handler's words are escaped.
        banner = f":warning: *{escape(view.banner.strip())}*"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=fit(banner, SECTION_TEXT_MAX))))
    title = " ".join(view.title.split())
    if with_header and title:
        blocks.append(HeaderBlock(text=fit(TONE_MARKS.get(view.tone, "") + title, HEADER_MAX)))
    lines = [line for line in view.lines if line.strip()]
    if lines:
        blocks.append(SectionBlock(text=mrkdwn("\n".join(lines))))
    blocks += [b for b in map(_section_block, view.sections) if b is not None]
    facts = [f for f in view.facts if f.label.strip() or f.value.strip()]
    for start in range(0, len(facts), FIELDS_PER_SECTION):
        chunk = facts[start : start + FIELDS_PER_SECTION]
        blocks.append(SectionBlock(fields=[_fact_field(f) for f in chunk]))
    for step in view.steps:
        blocks += _step_blocks(step)
    buttons = (*view.buttons, *extra_buttons)
    for start in range(0, len(buttons), BUTTONS_PER_ACTIONS):
        blocks.append(_actions_block(buttons[start : start + BUTTONS_PER_ACTIONS]))
    if view.footer.strip():
        blocks.append(ContextBlock(elements=[mrkdwn(view.footer)]))
    return blocks


def _section_block(section: v.Section) -> SectionBlock | None:
    parts = [f"*{escape(section.heading.strip())}*"] if section.heading.strip() else []
    parts += [escape(line) for line in section.marked_lines() if line.strip()]
    if not parts:
        return None
    return SectionBlock(text=MarkdownTextObject(text=fit("\n".join(parts), SECTION_TEXT_MAX)))


def _fact_field(fact: v.Fact) -> MarkdownTextObject:
    label = f"*{escape(fact.label.strip())}*\n" if fact.label.strip() else ""
    return MarkdownTextObject(text=fit(label + (escape(fact.value) or "-"), FIELD_TEXT_MAX))


def _step_blocks(step: v.StepItem) -> list[Block]:
    mark = STATE_MARKS.get(step.state, ":grey_question:")
    lines = [f"{mark} *{step.number}. {escape(step.title)}* ({escape(step.actor)})"]
    lines.append(escape(step.wording))
    if step.state_note:
        lines.append(f"_{escape(step.state_note)}_")
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=fit("\n".join(lines), SECTION_TEXT_MAX)))
    ]
    if step.buttons:
        blocks.append(_actions_block(step.buttons))
    return blocks


def _actions_block(buttons: Sequence[v.Button]) -> ActionsBlock:
    seen: dict[str, int] = {}
    elements = []
    for button in buttons:
        count = seen.get(button.action, 0)
        seen[button.action] = count + 1
        action_id = button.action if count == 0 else f"{button.action}{ACTION_SUFFIX}{count}"
        elements.append(
            ButtonElement(
                text=fit(" ".join(button.label.split()) or "Open", BUTTON_LABEL_MAX),
                action_id=action_id,
                value=button.value[:BUTTON_VALUE_MAX] or None,
                style=button.style if button.style in ("primary", "danger") else None,
            )
        )
    return ActionsBlock(elements=elements)


def _option(choice: v.Choice) -> Option:
    return Option(value=choice.value[:OPTION_VALUE_MAX], label=fit(choice.label, OPTION_TEXT_MAX))


def _input_block(field: v.FormField) -> InputBlock:
    if field.kind == "text":
        element: Any = PlainTextInputElement(
            action_id=field.name,
            max_length=field.max_length,
            initial_value=field.initial or None,
        )
    elif field.kind == "date":
        element = DatePickerElement(action_id=field.name, initial_date=field.initial or None)
    elif field.kind == "number":
        element = NumberInputElement(
            action_id=field.name,
            is_decimal_allowed=False,
            min_value="1",
            initial_value=field.initial or None,
        )
    else:
        choices = v.YES_NO if field.kind == "yes_no" else field.choices
        options = [_option(c) for c in choices]
        initial = next(
            (o for o, c in zip(options, choices, strict=True) if c.value == field.initial), None
        )
        if field.kind == "yes_no":
            element = RadioButtonsElement(
                action_id=field.name, options=options, initial_option=initial
            )
        else:
            element = StaticSelectElement(
                action_id=field.name,
                placeholder="Choose one",
                options=options,
                initial_option=initial,
            )
    return InputBlock(
        block_id=field.name,
        label=fit(field.label, 2000),
        element=element,
        optional=not field.required,
        hint=fit(field.hint, 2000) if field.hint else None,
    )


def _capped(blocks: list[Block], limit: int) -> list[dict[str, Any]]:
    if len(blocks) > limit:
        # Say that something was left out rather than have Slack refuse the whole payload.
        blocks = [*blocks[: limit - 1], ContextBlock(elements=[mrkdwn("…more than fits here.")])]
    return [block.to_dict() for block in blocks]


def submitted_values(view: dict[str, Any]) -> dict[str, str | None]:
    """A submitted modal's answers by field name: the chosen option's value or the text typed."""
    values: dict[str, str | None] = {}
    for block_id, actions in (view.get("state", {}).get("values") or {}).items():
        for state in actions.values():
            if "selected_option" in state:
                chosen = state.get("selected_option") or {}
                values[block_id] = chosen.get("value")
            elif "selected_date" in state:
                values[block_id] = state.get("selected_date")
            else:
                values[block_id] = state.get("value")
    return values


def invalid_block(view: dict[str, Any]) -> str | None:
    """The first input whose answer the modal itself did not allow (a forged or stale value)."""
    answers = submitted_values(view)
    inputs = [b for b in view.get("blocks", []) if b.get("type") == "input"]
    for block in inputs:
        element = block.get("element", {})
        answer = answers.get(block.get("block_id", ""))
        if answer in (None, ""):
            if not block.get("optional"):
                return block["block_id"]
            continue
        allowed = {o.get("value") for o in element.get("options", [])}
        if allowed and answer not in allowed:
            return block["block_id"]
        limit = element.get("max_length")
        if limit and len(answer) > limit:
            return block["block_id"]
    return None


def first_input_block(view: dict[str, Any]) -> str | None:
    return next((b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"), None)
