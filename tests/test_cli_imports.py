"""`patronguard --help` imports only the command line: what each command needs is imported
when that command runs. Checked on `sys.modules` in a fresh interpreter, never by timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
HEAVY = ("pydantic", "sqlite_utils", "aiohttp", "slack_bolt", "slack_sdk", "botbuilder", "yaml")

# Runs `python -m bot ARGS` as runpy does, then prints which top-level packages got imported.
RUNNER = """
import contextlib, io, json, runpy, sys
sys.argv = ["patronguard", *json.loads(sys.argv[1])]
shown = io.StringIO()
with contextlib.redirect_stdout(shown):
    try:
        runpy.run_module("bot", run_name="__main__", alter_sys=True)
    except SystemExit as exit:
        code = exit.code
print(json.dumps({"code": code, "help": shown.getvalue(),
                  "loaded": sorted({name.split(".")[0] for name in sys.modules})}))
"""


def imported_by(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(list(args))],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    "args",
    [["--help"], ["report", "--help"], ["serve", "--help"], ["demo", "--help"], ["--version"]],
)
def test_help_imports_no_heavy_package(args):
    found = imported_by(*args)
    assert found["code"] in (0, None)
    assert found["help"].strip()  # it did print the help (or the version)
    assert sorted(set(found["loaded"]) & set(HEAVY)) == []


def test_help_still_lists_the_choices_from_light_modules():
    found = imported_by("report", "--help")
    assert "[md|csv|json|html]" in found["help"]
    assert "warrant" in imported_by("demo", "--help")["help"]
