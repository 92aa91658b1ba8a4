"""`patronguard demo`: every kind of request, unattended and asked, through the real CLI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.console import duration_in_words
from bot.scenarios import SCENARIO_NAMES
from playbooks.model import PRESENTED

REPOSITORY = Path(__file__).resolve().parents[1]
# A snake_case word on screen is an internal name (page kinds, keys): people never see them.
INTERNAL_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b")
TWO_SCREENS = 100  # lines


def test_there_is_a_scenario_for_every_presentation():
    from bot.demo import SCENARIOS

    assert {s.expect for s in SCENARIOS.values()} == set(PRESENTED)
    assert tuple(SCENARIOS) == SCENARIO_NAMES


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_every_scenario_completes_in_plain_words_within_two_screens(scenario):
    result = CliRunner().invoke(cli, ["demo", "--scenario", scenario])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Demo complete." in out and "*** DRILL" in out
    assert "1. Refer the requester to the responsible officer" in out
    assert "-> Page to Sam Ortega (Privacy Officer)" in out  # escalated past the first officer
    assert not INTERNAL_NAME.findall(out), INTERNAL_NAME.findall(out)
    assert len(out.splitlines()) <= TWO_SCREENS
    assert "0:00" not in out  # durations are in words


def test_scenarios_check_what_they_promise():
    runner = CliRunner()
    verbal = runner.invoke(cli, ["demo", "--scenario", "verbal"]).output
    assert "Logged as an unauthorized demand" in verbal
    assert "5. Report the threat or unauthorized demand" in verbal
    assert "drills after 24 hours" in verbal
    warrant = runner.invoke(cli, ["demo", "--scenario", "warrant"]).output
    assert "inventory" in warrant and "Logged as an unauthorized demand" not in warrant
    assert "5 minutes pass" not in warrant and "2 minutes pass (urgent" in warrant
    gagged = runner.invoke(cli, ["demo", "--scenario", "gagged"]).output
    assert "Restricted: only officers and counsel" in gagged
    admin = " ".join(runner.invoke(cli, ["demo", "--scenario", "admin-warrant"]).output.split())
    assert "it is not a judge's warrant" in admin


def test_every_scenario_passes_on_a_database_used_before(tmp_path):
    db = str(tmp_path / "shared.db")
    for scenario in SCENARIO_NAMES:
        result = CliRunner().invoke(cli, ["demo", "--scenario", scenario, "--db", db])
        assert result.exit_code == 0, (scenario, result.output)
        assert "FAILED" not in result.output


def test_interactive_demo_has_no_silent_default_and_reasks_in_plain_words(tmp_path):
    # Enter to report; "three" and 99 are refused; Enter at "What did they present?" means
    # not sure yet; then signer, how it came, who asks, record (Enter each: the stated
    # default); waiting "maybe" then y; no agency; Enter to let time pass; a step each.
    answers = "\nthree\n99\n\n\n\n\n\nmaybe\ny\n\n\n" + "y\n" * 6
    result = CliRunner().invoke(cli, ["demo", "--db", str(tmp_path / "d.db")], input=answers)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Type a number from 1 to 8, or press Enter." in out
    assert "Type y for yes or n for no." in out
    assert "(Enter: Not sure yet)" in out
    assert "After the form (Not sure yet)" in out
    assert "Error:" not in out and "Aborted" not in out


def test_interactive_demo_with_a_warrant_an_agency_signed(tmp_path):
    answers = "\n3\n2\n1\n\n\ny\nICE\n\n" + "y\n" * 6
    result = CliRunner().invoke(cli, ["demo", "--db", str(tmp_path / "d.db")], input=answers)
    assert result.exit_code == 0, result.output
    assert "After the form (An administrative warrant" in result.output
    assert "I do not consent to a search of staff-only areas" in result.output


def test_closed_input_stops_the_demo_with_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["demo", "--db", str(tmp_path / "d.db")], input="\n")
    assert result.exit_code == 130
    assert result.output.rstrip().endswith(
        "Demo stopped. Nothing was sent to anyone: it is a drill on a sample library."
    )
    assert "Traceback" not in result.output and "Aborted" not in result.output


def test_one_ctrl_c_stops_the_demo_at_once(tmp_path):
    demo = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--db", str(tmp_path / "d.db")],
        cwd=REPOSITORY,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    seen = bytearray()

    def read_all() -> None:
        assert demo.stdout is not None
        while chunk := os.read(demo.stdout.fileno(), 4096):
            seen.extend(chunk)

    reader = threading.Thread(target=read_all)
    reader.start()
    try:
        assert demo.stdin is not None
        demo.stdin.write(b"\n")  # report it; the next prompt asks what they presented
        demo.stdin.flush()
        deadline = time.monotonic() + 30
        while b"Type a number" not in seen:
            assert demo.poll() is None and time.monotonic() < deadline, seen.decode()
            time.sleep(0.05)
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=10) == 130
    finally:
        demo.kill()
        reader.join(timeout=10)
    text = seen.decode()
    assert "Demo stopped." in text and "Traceback" not in text


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(minutes=2), "2 minutes"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(hours=24), "24 hours"),
        (timedelta(days=30), "30 days"),
        (timedelta(days=3 * 365), "3 years"),
        (timedelta(seconds=90), "90 seconds"),
    ],
)
def test_durations_read_as_words(delta, words):
    assert duration_in_words(delta) == words
