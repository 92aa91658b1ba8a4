"""Structured logs: JSON lines with case ids, and nothing personal in them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logging_setup import QUIET_LOGGERS, configure
from handlers.cases import report_inquiry
from handlers.intake import IntakeDetails, submit_intake
from handlers.pager import DeliveryFailed


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Logging configured into a buffer; the root logger is put back afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    quiet = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    stream = io.StringIO()
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)
    logging.captureWarnings(False)


def lines_of(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_pager_lines_are_json_with_the_case_id_and_no_case_details(
    log_stream, services, pager, notifier, staff, settings
):
    configure("json", "INFO", stream=log_stream)
    reply = await report_inquiry(services, staff)
    details = IntakeDetails("subpoena", "lawyer", agency="Example Law Office")
    await submit_intake(services, staff, reply.case_id, details)
    notifier.failures = [DeliveryFailed("server_error")]
    await pager.run_once()
    await pager.run_once()
    lines = lines_of(log_stream)
    from_pager = [line for line in lines if line["logger"] == "patronguard.pager"]
    assert from_pager and all(line["case_id"] == reply.case_id for line in from_pager)
    assert {"time", "level", "logger", "message", "case_id"} <= set(from_pager[0])
    assert any("server_error" in line["message"] for line in from_pager)
    text = log_stream.getvalue()
    director = settings.officers[0]
    for private in ("Example Law Office", "lawyer", director.name, director.email, "desk-1"):
        assert private not in text


def test_payloads_and_exception_messages_are_left_out(log_stream):
    configure("json", "DEBUG", stream=log_stream)
    log = logging.getLogger("patronguard.test")
    log.info("received %s", {"user": "someone@riverside-library.example"})
    try:
        raise ValueError("someone@riverside-library.example was refused")
    except ValueError:
        log.exception("delivery failed for case %s", "PG-ABC123")
    logging.getLogger("slack_sdk.web").debug("body: %s", "someone@riverside-library.example")
    log.info("%(kind)s on %(case)s", {"kind": "timeout", "case": "PG-ABC123"})
    first, second, third = lines_of(log_stream)
    assert third["message"] == "timeout on PG-ABC123"  # named arguments still work
    assert first["message"] == "received <dict>"
    assert second["case_id"] == "PG-ABC123"
    assert second["error"].startswith("ValueError at tests/test_logging.py:")
    assert "riverside-library" not in log_stream.getvalue()


def test_extra_case_id_and_text_format(log_stream):
    configure("json", "INFO", stream=log_stream)
    logging.getLogger("patronguard.test").info("page sent", extra={"case_id": "PG-XYZ789"})
    assert lines_of(log_stream)[0]["case_id"] == "PG-XYZ789"
    text_stream = io.StringIO()
    configure("text", "warning", stream=text_stream)
    log = logging.getLogger("patronguard.test")
    log.info("not shown at WARNING")
    try:
        raise KeyError("someone@riverside-library.example")
    except KeyError:
        log.error("lookup failed", exc_info=True)
    out = text_stream.getvalue()
    assert "not shown" not in out and " ERROR patronguard.test lookup failed" in out
    assert "KeyError at tests/test_logging.py:" in out and "riverside-library" not in out
    assert log_stream.getvalue().count("\n") == 1  # the first handler was replaced, not kept


def test_unknown_format_is_refused(log_stream):
    with pytest.raises(ValueError, match="json, text"):
        configure("xml", "INFO", stream=log_stream)  # type: ignore[arg-type]


async def test_a_slack_request_leaves_patronguards_own_info_lines_on(log_stream, tmp_path):
    """Bolt configures a logger per request from the app's: it must not be PatronGuard's."""
    from tests.slack_harness import serve_slack

    configure("json", "INFO", stream=log_stream)
    async with serve_slack(tmp_path) as pg:
        answer, _ = await pg.command()
        assert answer.status == 200
        assert logging.getLogger("patronguard").getEffectiveLevel() == logging.INFO
        logging.getLogger("patronguard.pager").info("still heard")
    assert any(line["message"] == "still heard" for line in lines_of(log_stream))
