"""Benchmark: `patronguard report` over a year holding 100,000 cases.

Not a test. It builds a database once, then times the real command in a subprocess, from
process start to exit, as an officer runs it:

1. a year of cases goes through PatronGuard's own handlers on a fake clock (report, intake,
   page, acknowledge, steps, close; every presentation, some left open, a gagged order,
   unauthorized demands, drills);
2. those rows are copied with SQL, each copy moved to a random moment of the same year,
   until the database holds --cases cases (building 100,000 through the handlers would take
   far longer than the measurement; the copies have the same shape, steps, events, pages
   and demand-log rows as the originals);
3. `report --format html` and `report --format json` (and, for reference, `--drills`) run
   --runs times each, interleaved, and the median wall time is compared with the target.

Run from the repository root, with the test extra installed:

    python bench/report.py --cases 100000

It prints a table and, unless --no-readme, writes its section of bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchlib import (
    PYTHON,
    REPO,
    Watch,
    machine_lines,
    ms,
    repo_env,
    today,
    verdict,
    write_section,
)

from bot.config import load_settings
from bot.runtime import build_services
from handlers.acknowledge import acknowledge_page
from handlers.actors import Actor
from handlers.cases import report_inquiry
from handlers.clock import FakeClock
from handlers.closing import close_case
from handlers.intake import IntakeDetails, submit_intake
from handlers.pager import Delivery, Pager
from handlers.services import Services
from handlers.steps import mark_step
from playbooks.engine import applicable_steps

TARGET = 1.0  # seconds, per format
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
STAFF = Actor("console", "front-desk")
CONFIG = """\
library:
  name: Benchmark Public Library
  timezone: America/Chicago
officers:
  - name: Dana Whitfield
    phone: "+1 555 010 0101"
  - name: Sam Ortega
    phone: "+1 555 010 0102"
"""

# (presented, who asked, record sought, outcome; None leaves the case open)
SEED: list[tuple[str, str, str, str | None]] = [
    ("nothing", "police", "circulation", "nothing_released"),
    ("nothing", "parent", "computer_use", "withdrawn"),
    ("nothing", "employer", "registration", None),
    ("threat", "patron", "circulation", "other"),
    ("subpoena", "lawyer", "circulation", "released_as_designated"),
    ("subpoena", "federal_agent", "registration", "referred_elsewhere"),
    ("search_warrant", "federal_agent", "internet", "released_as_designated"),
    ("search_warrant", "immigration", "registration", None),
    ("court_order", "lawyer", "circulation", "defects_not_cured"),
    ("gagged_order", "federal_agent", "circulation", "nothing_released"),
    ("emergency", "police", "camera", "nothing_released"),
    ("not_sure", "unknown", "unknown", "other"),
]
DRILLS = 3


class SilentNotifier:
    """Delivers every page at once and keeps nothing."""

    channel = "console"

    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        return {}


async def seed(services: Services, clock: FakeClock) -> None:
    """Each seed case and a few drills, every month of the year, through the handlers."""
    pager = Pager(services, {"console": SilentNotifier()})
    officer = Actor("console", services.settings.officers[0].key)
    for month in range(12):
        clock.advance(YEAR_START.replace(month=month + 1, day=3, hour=15) - clock.now())
        for presented, kind, record, outcome in SEED:
            case_id = (await report_inquiry(services, STAFF)).case_id
            assert case_id is not None
            details = IntakeDetails(presented, kind, True, record, "")
            await submit_intake(services, STAFF, case_id, details)
            await pager.run_once()
            clock.advance(timedelta(minutes=3))
            await acknowledge_page(services, officer, case_id)
            for step in applicable_steps(services.playbook, presented):
                await mark_step(services, officer, case_id, step.step.id, state="done")
            if outcome is not None:
                closed = await close_case(services, officer, case_id, outcome)
                assert not closed.refused, closed.view
            clock.advance(timedelta(hours=5))
        for _ in range(DRILLS if month == 11 else 0):
            drill = (await report_inquiry(services, STAFF, drill=True)).case_id
            assert drill is not None
            await submit_intake(services, STAFF, drill, IntakeDetails("subpoena", "lawyer", True))
            await pager.run_once()
            clock.advance(timedelta(seconds=95))
            await acknowledge_page(services, officer, drill)
            clock.advance(timedelta(hours=1))


def _shifted(column: str) -> str:
    """A stored time moved by the copy's offset, in the same fixed-width text."""
    return (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE "
        f"strftime('%Y-%m-%dT%H:%M:%S', {column}, copies.shift) || substr({column}, 20) END"
    )


def replicate(db_file: Path, total: int) -> int:
    """Copy the seeded rows with SQL until there are `total` cases; return how many now."""
    conn = sqlite3.connect(db_file, isolation_level=None)
    try:
        seeded = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        rounds = max(0, -(-total // seeded) - 1)

        def columns(table: str) -> list[str]:
            return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]

        conn.execute("BEGIN")
        # One row per copy of a case: its new id and how far its times move (within the year).
        conn.execute("CREATE TEMP TABLE copies (src TEXT, id TEXT PRIMARY KEY, k INT, shift TEXT)")
        year = int((YEAR_START.replace(year=2027) - YEAR_START).total_seconds()) - 14 * 86400
        conn.execute(
            "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < ?) "
            "INSERT INTO copies SELECT cases.id, cases.id || '-' || k.n, k.n, "
            "(? + abs(random()) % ? - CAST(strftime('%s', cases.opened_at) AS INTEGER)) "
            "|| ' seconds' FROM cases, k",
            [rounds, int(YEAR_START.timestamp()), year],
        )
        timed = {
            "cases": {"opened_at", "intake_at", "acknowledged_at", "closed_at", "purge_after"},
            "case_steps": {"at"},
            "case_events": {"at"},
            "demands": {"logged_at"},
            "pages": {"due_at", "next_attempt_at", "sent_at"},
        }
        for table, times in timed.items():
            names = [c for c in columns(table) if not (table != "cases" and c == "id")]
            key = "id" if table == "cases" else "case_id"
            values = []
            for name in names:
                if name == key:
                    values.append("copies.id")
                elif name in times:
                    values.append(_shifted(f"t.{name}"))
                elif name == "month":
                    values.append(f"substr({_shifted('t.logged_at')}, 1, 7)")
                elif name == "dedup_key":
                    values.append("t.dedup_key || '-' || copies.k")
                elif name == "update_of":
                    values.append("NULL")
                else:
                    values.append(f"t.{name}")
            conn.execute(
                f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(values)} "
                f"FROM {table} AS t JOIN copies ON copies.src = t.{key}"
            )
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        return conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        conn.close()


def build(folder: Path, total: int) -> tuple[Path, Path, dict[str, int]]:
    config = folder / "patronguard.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    db_file = folder / "report.db"
    clock = FakeClock(YEAR_START)
    services = build_services(load_settings(config), db_file, clock=clock)
    try:
        asyncio.run(seed(services, clock))
    finally:
        services.store.close()
    replicate(db_file, total)
    with sqlite3.connect(db_file) as conn:
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("cases", "demands", "case_events", "case_steps", "pages")
        }
        counts["drills"] = conn.execute("SELECT count(*) FROM cases WHERE drill = 1").fetchone()[0]
    return config, db_file, counts


COMMANDS = {
    "report --format html": ["--format", "html"],
    "report --format json": ["--format", "json"],
    "report --drills --format json": ["--drills", "--format", "json"],
}


def run_report(config: Path, db_file: Path, extra: list[str], out: Path) -> float:
    args = [PYTHON, "-m", "bot", "report", "--config", str(config), "--db", str(db_file)]
    args += ["--since", "2026-01-01", "--until", "2027-01-01", *extra, "--out", str(out)]
    started = time.perf_counter()
    subprocess.run(args, cwd=REPO, env=repo_env(), check=True, capture_output=True)
    return time.perf_counter() - started


def measure(config: Path, db_file: Path, runs: int, folder: Path) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for extra in COMMANDS.values():  # one untimed run each: the page cache, .pyc files
        run_report(config, db_file, extra, folder / "warm.out")
    for _ in range(runs):
        for name, extra in COMMANDS.items():  # interleaved, so drift hits all alike
            times[name].append(run_report(config, db_file, extra, folder / "out"))
    return times


def check_output(config: Path, db_file: Path, folder: Path) -> int:
    """The JSON report's total, to show the figures are for a full year of cases."""
    out = folder / "check.json"
    run_report(config, db_file, ["--format", "json"], out)
    return int(json.loads(out.read_text(encoding="utf-8"))["total"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases kept (default 100000)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each command")
    parser.add_argument("--no-readme", action="store_true", help="only print the table")
    parser.add_argument("--keep", type=Path, help="leave the built database in this folder")
    args = parser.parse_args()
    watch = Watch()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        config, db_file, counts = build(folder, args.cases)
        built = time.perf_counter() - started
        total = check_output(config, db_file, folder)
        times = measure(config, db_file, args.runs, folder)
    watch.stop()
    rows = [
        "| command | median | fastest | slowest | target | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for name, values in times.items():
        median = statistics.median(values)
        target = TARGET if "drills" not in name else None
        rows.append(
            f"| `{name}` | {ms(median)} | {ms(min(values))} | {ms(max(values))} | "
            + (f"≤ {ms(TARGET)} | {verdict(median, TARGET, ' s')} |" if target else "— | — |")
        )
    table = "\n".join(rows)
    print(table)
    print(f"built in {built:.0f} s: {counts}; JSON total {total}")
    print(watch.summary())
    if not args.no_readme:
        write_section("report", readme(args, table, counts, total, built, watch))


def readme(
    args: argparse.Namespace,
    table: str,
    counts: dict[str, int],
    total: int,
    built: float,
    watch: Watch,
) -> str:
    seeded = 12 * (len(SEED)) + DRILLS
    return f"""
## `report.py`: `patronguard report` with {counts["cases"]:,} cases kept

The database holds {counts["cases"]:,} cases ({counts["drills"]:,} of them drills),
{counts["demands"]:,} unauthorized-demand log rows, {counts["case_events"]:,} case events,
{counts["case_steps"]:,} step records and {counts["pages"]:,} outbox rows, all in one year.
{seeded} cases were made through PatronGuard's own handlers on a fake clock (every
presentation, some left open, a gagged order, drills); the rest are SQL copies of them, each
moved to a random moment of the same year, because making 100,000 through the handlers takes
far longer than the measurement (building took {built:.0f} s). The JSON report counts
{total:,} requests (drills and the restricted gagged orders are left out, as always).

Each command is `python -m bot report --config … --db … --since 2026-01-01 --until 2027-01-01
--format … --out FILE`, timed from process start to exit, run once untimed and then
{args.runs} times each, interleaved. `--drills` has no target and is shown for reference.

```bash
python bench/report.py --cases {args.cases} --runs {args.runs}
```

Results ({today()}):

{table}

Machine:

{machine_lines(watch)}

Reading the figures:

- The counts come grouped from SQL (cases by month and kinds, the demand log by who asked);
  only the demand log is read line by line, since the report lists every demand, and each
  distinct line is made and rendered once. The transparency form does not read it at all.
  `--drills` reads every drill, its pages and its steps in three queries.
- What is left is mostly fixed cost: starting Python and importing pydantic, sqlite-utils and
  the playbook's models, and SQLite grouping the year's cases (a sort of every case in the
  period: no index covers the report, and one would cost every report and intake a write).
"""


if __name__ == "__main__":
    main()
