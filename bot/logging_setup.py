"""Logging for `serve`: JSON lines or text, with no personal data.

PatronGuard's own log calls pass only case ids, page ids, channel names and error kinds.
What this module adds is the safety net around that habit:
- arguments that are not plain scalars (dicts, payloads, objects) are replaced by their
  type name, so a careless `log.info("got %s", body)` cannot write a request body;
- exceptions are logged as their type and where they were raised, without their message
  (messages of third-party errors can quote addresses or payloads);
- libraries that log request or response bodies at DEBUG are held at WARNING;
- control characters (CR, LF, ANSI escapes, Unicode line separators and direction marks)
  are written as visible escapes, so nothing logged can forge a line or repaint a terminal.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

FORMATS = ("json", "text")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Loggers that write request or response bodies at DEBUG, whatever level is chosen.
QUIET_LOGGERS = (
    "slack_bolt",
    "slack_sdk",
    "patronguard.slack.bolt",  # the Bolt app's logger, named by bot/slack/wiring.py
    "botbuilder",
    "botframework",
    "msal",
    "msrest",
    "urllib3",
    "aiosmtplib",
)
CASE_ID = re.compile(r"\bPG-[A-Z0-9]{4,}\b")
_SAFE_ARG_TYPES = (str, int, float, bool, type(None))
_HANDLER_NAME = "patronguard"
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


class SafeArgsFilter(logging.Filter):
    """Replaces record arguments that are not plain scalars with their type name."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(_safe(a) for a in args)
        elif isinstance(args, Mapping):
            if "%(" in str(record.msg):  # named arguments: check each value
                record.args = {k: _safe(a) for k, a in args.items()}
            else:  # logging unwraps a lone dict argument: that is a payload
                record.args = (_safe(args),)
        return True


def _safe(value: Any) -> Any:
    return value if isinstance(value, _SAFE_ARG_TYPES) else f"<{type(value).__name__}>"


def escape_unprintable(text: str) -> str:
    """Every character str.isprintable() refuses (controls, separators, format marks, other
    than the plain space) as a visible escape: \\n, \\r, \\t, \\x1b, \\u2028."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(char: str) -> str:
    code = ord(char)
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def exception_summary(exc_info) -> str:
    """'ValueError at bot/x.py:12 in f' style: the type and the innermost frames, no message."""
    exc_type, exc, tb = exc_info
    frames = traceback.extract_tb(tb)[-3:]
    where = " < ".join(f"{_short(f.filename)}:{f.lineno} in {f.name}" for f in reversed(frames))
    name = exc_type.__name__ if exc_type else type(exc).__name__
    return f"{name} at {where}" if where else name


def _short(filename: str) -> str:
    # Paths inside site-packages or the checkout are long and say who installed it where.
    parts = filename.replace("\\", "/").split("/")
    return "/".join(parts[-2:])


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, case_id when known."""

    def format(self, record: logging.LogRecord) -> str:
        message = escape_unprintable(record.getMessage())
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        case_id = getattr(record, "case_id", None)
        if case_id is None:
            found = CASE_ID.search(message)
            case_id = found.group(0) if found else None
        if case_id is not None:
            line["case_id"] = str(case_id)
        if record.exc_info:
            line["error"] = escape_unprintable(exception_summary(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The usual one-line text, with exceptions summarised like JsonFormatter does."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        cached, record.exc_text = record.exc_text, None  # another handler's full traceback
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_unprintable(super().formatMessage(record))

    def formatException(self, ei) -> str:
        return "  " + escape_unprintable(exception_summary(ei))


def configure(
    fmt: str = "text",
    level: str | int = "INFO",
    *,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send all logging to `stream` (stderr) in `fmt`; safe to call more than once."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(SafeArgsFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return handler
