"""Benchmark: how soon `patronguard serve` is ready, and how fast `patronguard --help` answers.

Not a test. Each figure has its baseline from the same run, measured the same way and
interleaved with it (the order within each pair is random), median over --runs runs:

- serve ready: from starting the process to its first GET /healthz answered 200, polling
  every 5 ms on fresh connections; `patronguard serve` (Slack on, against the Slack stand-in
  in its own process, an existing database) against a bare aiohttp + Bolt server
  (bench/bare_bolt.py) started the same way;
- `patronguard --help` (the installed console script) against `python -c pass`, the
  interpreter's own start-up, from starting the process to its exit.

Run from the repository root, with the test extra installed:

    python bench/startup.py --runs 20

It prints a table and, unless --no-readme, writes its section of bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

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
from processes import Server, StandIn, start_bare, start_serve, wait_ready

TARGET_SERVE = 1.5  # serve ready over the bare server ready
TARGET_HELP = 4.0  # patronguard --help over python -c pass


def help_command() -> tuple[list[str], str]:
    """The installed console script, as people type it; `python -m bot` if it is missing."""
    script = Path(sys.executable).with_name("patronguard")
    if script.exists():
        return [str(script), "--help"], "patronguard --help"
    return [PYTHON, "-m", "bot", "--help"], "python -m bot --help"


def timed_run(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=REPO, env=repo_env(), stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


async def ready_time(start: Callable[[], Server]) -> float:
    server = start()
    try:
        return await wait_ready(server)
    finally:
        server.stop()


async def serve_figures(runs: int, seed: int) -> dict[str, list[float]]:
    standin = StandIn()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            starters: dict[str, Callable[[], Server]] = {
                "serve": lambda: start_serve(folder, standin.api_url, officers=3),
                "bare": lambda: start_bare(standin.api_url),
            }
            for start in starters.values():  # untimed: creates the database, warms the caches
                await ready_time(start)
            times: dict[str, list[float]] = {name: [] for name in starters}
            shuffle = random.Random(seed).shuffle
            for _ in range(runs):
                order = list(starters)
                shuffle(order)
                for name in order:
                    times[name].append(await ready_time(starters[name]))
            return times
    finally:
        standin.stop()


def help_figures(runs: int, seed: int) -> dict[str, list[float]]:
    commands = {"help": help_command()[0], "pass": [PYTHON, "-c", "pass"]}
    for args in commands.values():
        timed_run(args)  # untimed: .pyc files and the page cache
    times: dict[str, list[float]] = {name: [] for name in commands}
    shuffle = random.Random(seed).shuffle
    for _ in range(runs):
        order = list(commands)
        shuffle(order)
        for name in order:
            times[name].append(timed_run(commands[name]))
    return times


def row(what: str, ours: list[float], base_name: str, base: list[float], target: float) -> str:
    mine, theirs = statistics.median(ours), statistics.median(base)
    ratio = mine / theirs
    return (
        f"| {what} | {ms(mine)} | {base_name}: {ms(theirs)} | {ratio:.2f}× | ≤ {target}× | "
        f"{verdict(ratio, target, '×')} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the order in each pair")
    parser.add_argument("--no-readme", action="store_true", help="only print the table")
    args = parser.parse_args()
    watch = Watch()
    serve = asyncio.run(serve_figures(args.runs, args.seed))
    cli = help_figures(args.runs, args.seed)
    watch.stop()
    help_name = help_command()[1]
    lines = [
        "| measure (median) | PatronGuard | baseline | ratio | target | verdict |",
        "|---|---|---|---|---|---|",
        row(
            "`serve` ready (`/healthz` 200)",
            serve["serve"],
            "bare aiohttp + Bolt",
            serve["bare"],
            TARGET_SERVE,
        ),
        row(f"`{help_name}`", cli["help"], "`python -c pass`", cli["pass"], TARGET_HELP),
    ]
    spread = [
        f"- serve ready, fastest / slowest: {ms(min(serve['serve']))} / {ms(max(serve['serve']))}; "
        f"bare: {ms(min(serve['bare']))} / {ms(max(serve['bare']))}",
        f"- `{help_name}`, fastest / slowest: {ms(min(cli['help']))} / {ms(max(cli['help']))}; "
        f"`python -c pass`: {ms(min(cli['pass']))} / {ms(max(cli['pass']))}",
    ]
    print("\n".join(lines + spread))
    print(watch.summary())
    if not args.no_readme:
        write_section("startup", readme(args, lines, spread, watch, help_name))


def readme(
    args: argparse.Namespace,
    lines: list[str],
    spread: list[str],
    watch: Watch,
    help_name: str,
) -> str:
    return f"""
## `startup.py`: `serve` ready, and `{help_name}`

Each figure is a median of {args.runs} runs with its baseline from the same run, measured the
same way and interleaved with it (random order within each pair, seed {args.seed}), after one
untimed run of each:

- **`serve` ready**: from starting the process to the first `GET /healthz` answered 200
  (polled every 5 ms on fresh connections): `patronguard serve` with a config of 3 officers,
  Slack on against the Slack stand-in (its own process), the database already created; against
  `bench/bare_bolt.py`, aiohttp and a Bolt `AsyncApp` with a `/healthz` route, started the same
  way with the same environment. serve's `/healthz` is 200 only once the pager has run and the
  database has taken a real write.
- **`{help_name}`**: the installed console script, from starting the process to its exit,
  against `python -c pass` (the same interpreter, the same environment).

```bash
python bench/startup.py --runs {args.runs}
```

Results ({today()}):

{chr(10).join(lines)}

{chr(10).join(spread)}

Machine:

{machine_lines(watch)}

Reading the figures:

- `--help` imports only click and plain constants (`tests/test_cli_imports.py` holds it to
  that); each command imports what it needs when it runs.
- `serve` loads only the channels that are on (here Slack; the Bot Framework SDK is not
  imported), then validates the config and the playbook with pydantic, opens and migrates the
  database, checks the bot token with `auth.test` and runs the pager once before `/healthz`
  is 200. The bare app only imports aiohttp and Bolt. What serve adds is mostly importing
  its own modules and what they use (pydantic and its models, sqlite-utils, the handlers;
  about 0.3 s with `python -X importtime` here), the rest the token check and the first
  pager run. Reaching 1.5× would mean deferring those imports past the first `/healthz`,
  which would then answer before serve can take a report: not done.
"""


if __name__ == "__main__":
    main()
