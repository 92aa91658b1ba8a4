"""The terminal channel: renders views as text and plays the part of chat for the demo."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
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
        out.append(f"{section.heading}:")
        for line in section.lines:
            out.extend(textwrap.wrap(line, WIDTH, initial_indent="  • ", subsequent_indent="    "))
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


def echo_view(view: v.View, *, heading: str = "") -> None:
    colour = TONE_COLOURS.get(view.tone, "cyan")
    if heading:
        click.secho(heading, fg=colour, bold=True)
    click.echo(render(view))
    click.echo()


class ConsoleNotifier:
    """Prints each delivery as the recipient would see it, naming whom it went to."""

    channel = "console"

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
