"""Reading what someone wrote to the bot: a command, or anything else (which starts a report).

The text is only classified here, never kept or logged.
"""

from __future__ import annotations

import html
import re

HELP = "help"
DRILL = "drill"
STATUS = "status"
SUMMARY = "report"  # officers' counts; reporting a request needs no command at all
START = "start"  # anything that is not a command starts a report
COMMANDS = (HELP, DRILL, STATUS, SUMMARY)

# How help text names the bot; a leading "PatronGuard" is ignored so "PatronGuard status" works.
BOT_NAME = "PatronGuard"

# The Teams command menu (manifest commandLists): title and description, as Teams shows them.
COMMAND_MENU: tuple[tuple[str, str], ...] = (
    (HELP, "What PatronGuard does and how to use it"),
    (DRILL, "Practise with a pretend request, marked DRILL"),
    (STATUS, "Your open cases (officers see all open cases)"),
    (SUMMARY, "Officers: counts of requests and unauthorized demands"),
)

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_PUNCTUATION = " \t\r\n.!?:;,"


def command_of(text: str | None) -> str:
    """HELP, DRILL, STATUS or SUMMARY when the whole message is that word; START otherwise."""
    if not text:
        return START
    plain = html.unescape(_TAG.sub(" ", _MENTION.sub(" ", text)))
    words = plain.strip(_PUNCTUATION).lower().split()
    if words and words[0].lstrip("@") == BOT_NAME.lower():
        words = words[1:]
    if len(words) == 1 and words[0].strip(_PUNCTUATION).lstrip("/") in COMMANDS:
        return words[0].strip(_PUNCTUATION).lstrip("/")
    return START
