"""Reports as a director reads them: plain dates, words for empty tables, a readable axis,
drills in every format, and no config file needed when the database is given."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.report_chart import tick_step, ticks
from handlers.clock import FakeClock
from tests.report_samples import START, a_year_of_cases, open_services, three_drills

UNSET = {"PATRONGUARD_CONFIG": None, "PATRONGUARD_DB": None}
YEAR_2026 = ["--since", "2026-01-01", "--until", "2027-01-01"]


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A config from `init` and a database filled through the handlers on a fake clock."""
    monkeypatch.chdir(tmp_path)
    config, db = tmp_path / "patronguard.yaml", tmp_path / "records.db"
    assert CliRunner().invoke(cli, ["init", str(config)]).exit_code == 0
    return config, db


async def fill(config: Path, db: Path) -> None:
    """Run with asyncio.run from plain tests: the CLI starts its own event loop after."""
    clock = FakeClock(START)
    services = open_services(config, db, clock)
    try:
        assert await a_year_of_cases(services, clock) == 18
        await three_drills(services, clock)
    finally:
        services.store.close()


def report(*args: str) -> str:
    result = CliRunner().invoke(cli, ["report", *args], env=UNSET)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.stdout


def test_tick_steps_are_round_and_few():
    assert [tick_step(n) for n in (1, 5, 6, 7, 12, 40, 120, 999, 4500)] == [
        1,
        1,
        2,
        2,
        5,
        10,
        50,
        200,
        1000,
    ]
    assert ticks(7) == [0, 2, 4, 6, 8]
    assert ticks(0) == [0, 1]
    for peak in range(1, 3000, 7):
        values = ticks(peak)
        assert values[-1] >= peak and len(values) <= 6


def test_a_year_reads_plainly_in_every_format(library):
    config, db = library
    asyncio.run(fill(config, db))
    base = ["--config", str(config), "--db", str(db), *YEAR_2026]
    md = report(*base)
    assert md.startswith("# Records requests: Riverside Public Library, 1 Jan 2026 – 31 Dec 2026")
    assert "| May 2026 | 4 |" in md and "| Mar 2026 | 0 |" in md
    assert "| 6 Jan 2026 | Local or state police |" in md
    assert "exclusive" not in md and "None | 0" not in md
    page = report(*base, "--format", "html")
    assert "1\u00a0Jan\u00a02026\u00a0– 31\u00a0Dec\u00a02026</h1>" in page
    axis = re.findall(r'text-anchor="end" font-size="11">(\d+)</text>', page)
    assert axis == ["0", "1", "2", "3", "4"]  # May's four requests top a 0-4 axis
    assert ">Requests</text>" in page and ">Jan</text>" in page and ">2026</text>" in page
    body = json.loads(report(*base, "--format", "json"))
    assert body["total"] == 18 and body["by_month"]["2026-05"]["A threat or intimidation"] == 1
    rows = list(csv.reader(io.StringIO(report(*base, "--format", "csv"))))
    assert ["Outcome", "Nothing released", "8"] in rows


def test_an_empty_period_says_so_in_words(library):
    config, db = library
    base = ["--config", str(config), "--db", str(db), "--since", "2025-12-02"]
    for fmt in ("md", "html"):
        text = report(*base, "--until", "2026-12-03", "--format", fmt)
        assert "2 Dec 2025" in text and "2 Dec 2026" in text
        assert "No requests in this period." in text
        assert "No unauthorized demands in this period." in text
        assert "None" not in text and "<svg" not in text
    assert "Records requests: Riverside Public Library, 2 Dec 2025 – 2 Dec 2026" in report(
        *base, "--until", "2026-12-03"
    )


def test_drills_honour_every_format(library, tmp_path):
    config, db = library
    asyncio.run(fill(config, db))
    base = ["--drills", "--config", str(config), "--db", str(db), *YEAR_2026]
    md = report(*base)
    assert md.startswith("# Drills: Riverside Public Library, 1 Jan 2026 – 31 Dec 2026")
    assert "| A subpoena | Dana Whitfield | 1m 35s | 1 of 5 |" in md
    assert "| Sam Ortega | 1 | 2m 20s | 0 |" in md  # from his own page, not from the report
    assert "| Dana Whitfield | 1 | 1m 35s | 2 |" in md  # paged twice without acknowledging
    out = tmp_path / "out" / "drills.html"
    written = CliRunner().invoke(cli, ["report", *base, "--format", "html", "--out", str(out)])
    assert written.exit_code == 0 and f"Wrote {out}." in written.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<table>" in page
    assert "<td>not acknowledged</td>" in page and "Time to acknowledge, per officer" in page
    body = json.loads(report(*base, "--format", "json"))
    assert [d["seconds_to_ack"] for d in body["drills"]] == [95, 440, None]
    assert body["drills"][0]["opened_at"] == "2026-12-14T09:00:00-06:00"
    assert {o["name"]: o["median_seconds"] for o in body["officers"]} == {
        "Dana Whitfield": 95,
        "Sam Ortega": 140,
    }
    rows = list(csv.reader(io.StringIO(report(*base, "--format", "csv"))))
    assert rows[0][:3] == ["drill", "started", "presented"]
    assert rows[1][1] == "2026-12-14T09:00:00-06:00" and rows[1][4] == "95"
    assert ["officer", "drills_acknowledged", "median_seconds", "paged_without_ack"] in rows


def test_report_and_purge_need_only_the_database(library, tmp_path):
    config, db = library
    asyncio.run(fill(config, db))
    config.unlink()  # as inside a container that was given only the database
    runner = CliRunner()
    md = runner.invoke(cli, ["report", "--db", str(db), *YEAR_2026], env=UNSET)
    assert md.exit_code == 0, md.output
    assert md.stdout.startswith("# Records requests: This library, 1 Jan 2026 – 31 Dec 2026")
    assert "| Nothing, or a verbal or informal request | 9 |" in md.stdout  # built-in labels
    assert md.stderr.startswith("No config file: labels come from the built-in playbook")
    from_env = runner.invoke(
        cli, ["report", "--drills", *YEAR_2026], env={"PATRONGUARD_DB": str(db)}
    )
    assert from_env.exit_code == 0 and "# Drills: This library" in from_env.stdout
    dry = runner.invoke(cli, ["purge", "--dry-run", "--db", str(db)], env=UNSET)
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.startswith("Would remove:")
    assert "default retention (closed cases 30d, drills 1d, demand log 3y)" in dry.stderr


def test_a_named_config_that_is_missing_is_still_an_error(library, tmp_path):
    _, db = library
    result = CliRunner().invoke(
        cli, ["report", "--config", str(tmp_path / "typo.yaml"), "--db", str(db)], env=UNSET
    )
    assert result.exit_code == 1
    assert "no config file here" in result.output and not db.exists()
