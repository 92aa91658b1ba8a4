"""The terminal channel: renders views as text and plays the part of chat for the demo."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import click

from handlers import views as v
from handlers.pager import Delivery

STATE_MARKS = {"pending": "[ ]", "done": "[x]", "not_applicable": "[-]"}
TONE_COLOURS = {v.REFUSAL: "red", v.WARNING: "yellow", v.SUCCESS: "green", v.INFO: "cyan"}
WIDTH = 78


def render(view: v.View) -> str:
    """A view as plain terminal text (no colour), for the demo, logs of drills and tests."""
    out: list[str] = []
    if view.banner:
        out.append(f"*** {view.banner} ***")
    out.append(view.title)
    out.append("-" * min(len(view.title), WIDTH))
    for line in view.lines:
        out.extend(textwrap.wrap(line, WIDTH))
    for section in view.sections:
        if section.heading:
            out.append(f"{section.heading}:")
        for line in section.marked_lines():
            out.extend(textwrap.wrap(line, WIDTH, initial_indent="  ", subsequent_indent="     "))
    for fact in view.facts:
        out.append(f"  {fact.label}: {fact.value}")
    for step in view.steps:
        mark = STATE_MARKS.get(step.state, "[?]")
        out.append(f"{mark} {step.number}. {step.title}  ({step.actor})")
        out.extend(
            textwrap.wrap(step.wording, WIDTH, initial_indent="      ", subsequent_indent="      ")
        )
        if step.state_note:
            out.append(f"      {step.state_note}")
    if view.buttons:
        out.append("  Buttons: " + " | ".join(b.label for b in view.buttons))
    if view.footer:
        out.extend(textwrap.wrap(view.footer, WIDTH))
    return "\n".join(out)


def duration_in_words(delta: timedelta) -> str:
    """A duration as people say it: "2 minutes", "24 hours", "30 days"."""
    seconds = int(delta.total_seconds())
    # A day is said in hours until there are two of them: "24 hours", then "2 days".
    units = (("year", 365 * 86400, 1), ("day", 86400, 2), ("hour", 3600, 1), ("minute", 60, 1))
    for unit, size, fewest in units:
        if seconds >= size * fewest and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def echo_view(view: v.View, *, heading: str = "") -> None:
    colour = TONE_COLOURS.get(view.tone, "cyan")
    if heading:
        click.secho(heading, fg=colour, bold=True)
    click.echo(render(view))
    click.echo()


class ConsoleNotifier:
    """Prints each delivery as the recipient would see it, naming whom it went to."""

    channel = "console"
    page_interval = timedelta(0)  # a terminal needs no pacing
    max_buttons = 25

    def __init__(self, describe_recipient: Callable[[Delivery], str]):
        self.describe_recipient = describe_recipient
        self.delivered: list[Delivery] = []
        self._count = 0

    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        self.delivered.append(delivery)
        self._count += 1
        verb = "updated for" if delivery.update_ref else "sent to"
        echo_view(
            delivery.view, heading=f">> {delivery.kind} {verb} {self.describe_recipient(delivery)}"
        )
        return {"message": self._count}
