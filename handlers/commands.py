"""Reading what someone typed to the bot: a command word, or anything else (a report).

The same rule for every channel: Slack's slash-command text, a message or an @mention in
Slack or Teams. The text is only classified here, never kept or logged.
"""

from __future__ import annotations

import html
import re
from enum import StrEnum


class Command(StrEnum):
    HELP = "help"
    DRILL = "drill"
    STATUS = "status"
    SUMMARY = "report"  # officers' counts; for staff it reports a request like any text
    START = "start"  # anything that is not a command starts a report


COMMAND_WORDS = (Command.HELP, Command.DRILL, Command.STATUS, Command.SUMMARY)
# A command is a command word on its own or with one more word ("status please"); anything
# longer is someone describing a request ("help, an agent wants records"), so it reports.
# Only "drill" leads whatever follows it: a practice run must never page for real.
MAX_COMMAND_WORDS = 2
# How help text names the bot; a leading "PatronGuard" is ignored so "PatronGuard status" works.
BOT_NAME = "PatronGuard"

# The command menu the chat platforms show: title and description.
COMMAND_MENU: tuple[tuple[str, str], ...] = (
    (Command.HELP, "What PatronGuard does and how to use it"),
    (Command.DRILL, "Practise with a pretend request, marked DRILL"),
    (Command.STATUS, "Your open cases (officers see all open cases)"),
    (Command.SUMMARY, "Officers: counts of requests and unauthorized demands"),
)

_MENTION = re.compile(r"<at>.*?</at>|<@[A-Z0-9]+(\|[^>]*)?>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_PUNCTUATION = " \t\r\n.!?:;,"


def command_of(text: object) -> Command:
    """The command the whole text asks for; START (report a request) otherwise."""
    if not isinstance(text, str) or not text:
        return Command.START
    plain = html.unescape(_TAG.sub(" ", _MENTION.sub(" ", text)))
    words = [w.strip(_PUNCTUATION).lstrip("/@").lower() for w in plain.split()]
    words = [w for w in words if w]
    if words and words[0] == BOT_NAME.lower():
        words = words[1:]
    if not words:
        return Command.START
    if words[0] == Command.DRILL.value:
        return Command.DRILL
    if len(words) <= MAX_COMMAND_WORDS:
        for command in COMMAND_WORDS:
            if words[0] == command.value:
                return command
    return Command.START
