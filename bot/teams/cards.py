"""Rendering handler views and forms as Adaptive Cards 1.5, the way Teams shows them.

`view_card` and `form_card` return card JSON; `card_attachment` wraps one for an activity.
Every button is an Action.Submit whose data is {"action": ..., "value": ...}; Teams sends it
back as the `value` of a message activity, merged with the form's inputs.
"""

from __future__ import annotations

import re
from typing import Any

from botbuilder.schema import Attachment

from handlers import views as v
from handlers.presenters import STATE_LABELS

SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
VERSION = "1.5"

# What a pressed button sends back: {"action": ..., "value": ...}; a form's submit button
# sends {"form": <form id>, "value": <case id>} with the form's inputs.
ACTION, FORM, VALUE = "action", "form", "value"

_TONE_COLORS = {v.REFUSAL: "attention", v.WARNING: "warning", v.SUCCESS: "good"}
_BUTTON_STYLES = {"primary": "positive", "danger": "destructive"}
_STATE_COLORS = {"done": "good", "not_applicable": "default", "pending": "warning"}
_CODE = re.compile(r"`([^`]+)`")


def view_card(view: v.View) -> dict[str, Any]:
    """A view as a card: banner first, then title, lines, sections, facts, steps, buttons."""
    body: list[dict[str, Any]] = []
    if view.banner:
        body.append(_banner(view.banner))
    title = f"URGENT: {view.title}" if view.urgent else view.title
    body.append(_text(title, size="medium", weight="bolder", color=_TONE_COLORS.get(view.tone)))
    body += [_text(line) for line in view.lines if line]
    for section in view.sections:
        body += _section(section)
    if view.facts:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": f.label, "value": f.value or "-"} for f in view.facts],
            }
        )
    body += [_step(step) for step in view.steps]
    if view.footer:
        body.append(_text(view.footer, size="small", subtle=True, separator=True))
    card = _card(body, preview_text(view))
    if view.buttons:
        card["actions"] = [_submit(b) for b in view.buttons]
    return card


def preview_text(view: v.View) -> str:
    """What a notification (or a client too old for the card) shows, e.g. on a locked phone:
    the text the handlers decided (a restricted case gives only its id)."""
    return view.notification_text()


def form_card(form: v.Form) -> dict[str, Any]:
    """A form as a card of inputs; its submit button carries the form's action and case id."""
    body: list[dict[str, Any]] = [
        _text(form.title, size="medium", weight="bolder"),
        _text(f"Case {form.case_id}", size="small", subtle=True, spacing="none"),
    ]
    if form.intro:
        body.append(_text(form.intro, subtle=True))
    for field in form.fields:
        body += _field(field)
    card = _card(body, f"{form.title}: case {form.case_id}")
    card["actions"] = [
        {
            "type": "Action.Submit",
            "title": form.submit_label,
            "style": "positive",
            "data": {FORM: form.form_id, VALUE: form.case_id},
        }
    ]
    return card


def card_attachment(card: dict[str, Any]) -> Attachment:
    return Attachment(content_type=ADAPTIVE_CARD, content=card)


def _card(body: list[dict[str, Any]], fallback: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMA_URL,
        "type": "AdaptiveCard",
        "version": VERSION,
        "fallbackText": fallback,
        "body": body,
    }


def _text(
    text: str,
    *,
    size: str | None = None,
    weight: str | None = None,
    color: str | None = None,
    subtle: bool = False,
    separator: bool = False,
    spacing: str | None = None,
) -> dict[str, Any]:
    # Adaptive Card markdown has no inline code; bold reads the same for a command name.
    block: dict[str, Any] = {"type": "TextBlock", "text": _CODE.sub(r"**\1**", text), "wrap": True}
    optional = {"size": size, "weight": weight, "color": color, "spacing": spacing}
    block.update({k: value for k, value in optional.items() if value})
    if subtle:
        block["isSubtle"] = True
    if separator:
        block["separator"] = True
    return block


def _banner(banner: str) -> dict[str, Any]:
    return {
        "type": "Container",
        "style": "warning",
        "bleed": True,
        "items": [_text(banner, weight="bolder", color="warning")],
    }


def _section(section: v.Section) -> list[dict[str, Any]]:
    items = [_text(section.heading, weight="bolder", spacing="medium")] if section.heading else []
    lines = [line for line in section.marked_lines() if line.strip()]
    if section.numbered and lines:
        # One TextBlock, so Teams renders the lines as one ordered list.
        return [*items, _text("\r".join(lines), spacing="small")]
    return items + [_text(line, spacing="small") for line in lines]


def _step(step: v.StepItem) -> dict[str, Any]:
    state = STATE_LABELS.get(step.state, step.state)
    items: list[dict[str, Any]] = [
        {
            "type": "ColumnSet",
            "columns": [
                {
                    "type": "Column",
                    "width": "stretch",
                    "items": [_text(f"{step.number}. {step.title}", weight="bolder")],
                },
                {
                    "type": "Column",
                    "width": "auto",
                    "items": [_text(state, weight="bolder", color=_STATE_COLORS.get(step.state))],
                },
            ],
        },
    ]
    if step.wording:
        items.append(_text(step.wording, spacing="small"))
    if step.state_note:
        items.append(_text(step.state_note, size="small", subtle=True, spacing="none"))
    if step.buttons:
        items.append({"type": "ActionSet", "actions": [_submit(b) for b in step.buttons]})
    return {"type": "Container", "separator": True, "spacing": "medium", "items": items}


def _submit(button: v.Button) -> dict[str, Any]:
    data: dict[str, Any] = {ACTION: button.action, VALUE: button.value}
    action: dict[str, Any] = {"type": "Action.Submit", "title": button.label, "data": data}
    if button.style in _BUTTON_STYLES:
        action["style"] = _BUTTON_STYLES[button.style]
    return action


def _field(field: v.FormField) -> list[dict[str, Any]]:
    common: dict[str, Any] = {"id": field.name, "label": field.label}
    if field.required:
        common |= {"isRequired": True, "errorMessage": f"Please answer: {field.label}"}
    element: dict[str, Any]
    if field.kind in ("date", "number"):
        element = {"type": "Input.Date" if field.kind == "date" else "Input.Number", **common}
        if field.kind == "number":
            element["min"] = 1
        if field.initial:
            element["value"] = int(field.initial) if field.kind == "number" else field.initial
        hint = [_text(field.hint, size="small", subtle=True, spacing="none")] if field.hint else []
        return [element, *hint]
    if field.kind == "text":
        element = {"type": "Input.Text", **common}
        if field.max_length:
            element["maxLength"] = field.max_length
        if field.hint:
            element["placeholder"] = field.hint
        if field.initial:
            element["value"] = field.initial
        hint = [_text(field.hint, size="small", subtle=True, spacing="none")] if field.hint else []
        return [element, *hint]
    choices: tuple[v.Choice, ...] = v.YES_NO if field.kind == "yes_no" else field.choices
    style = "expanded" if field.kind == "yes_no" else "compact"
    element = {
        "type": "Input.ChoiceSet",
        **common,
        "style": style,
        "choices": [{"title": c.label, "value": c.value} for c in choices],
    }
    if field.initial:
        element["value"] = field.initial
    elif field.kind != "yes_no":
        element["placeholder"] = "Choose one"
    return [element]
