"""What every benchmark script shares: the machine, percentiles, verdicts and its README section.

Not a test and not part of PatronGuard: imported by the scripts in this folder only.
"""

from __future__ import annotations

import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = Path(__file__).with_name("README.md")
PYTHON = sys.executable


def percentile(values: Sequence[float], pct: int) -> float:
    """The pct-th percentile, interpolated between samples (as numpy's default)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def machine() -> list[str]:
    """The facts a reader needs to compare figures: cores, CPU, Python, SQLite, OS, load."""
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"cores: {usable} usable ({os.cpu_count()} online), {model}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        f"{platform.system()} {platform.release()}",
    ]


def verdict(value: float, limit: float, unit: str = "") -> str:
    """'met', or by how much the figure is over its target."""
    if value <= limit:
        return "met"
    return f"missed by {value - limit:.2f}{unit} ({(value / limit - 1) * 100:.0f}% over)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def repo_env(**extra: str) -> dict[str, str]:
    """The environment for a child process: this checkout first on the import path."""
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    return env


def spawn(args: list[str], **extra_env: str) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        cwd=REPO,
        env=repo_env(**extra_env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def today() -> str:
    return f"{datetime.now(UTC):%Y-%m-%d}"


def write_section(name: str, body: str) -> None:
    """Put one script's section into bench/README.md between its markers, leaving the rest."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = f"{start}\n{body.strip()}\n{end}"
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    README.write_text(text, encoding="utf-8")


class Watch:
    """How busy the machine was while a benchmark ran: the load average before and after, and
    the share of the CPUs that processes other than this benchmark's kept busy."""

    def __init__(self) -> None:
        self.load_before = load()
        self.started = time.monotonic()
        self.busy_before = _busy_seconds()
        self.ours_before = _own_cpu_seconds()
        self.load_after = ""
        self.others = float("nan")

    def stop(self) -> None:
        """Call once every process the benchmark started has been stopped (and reaped)."""
        self.load_after = load()
        elapsed = (time.monotonic() - self.started) * (os.cpu_count() or 1)
        ours = _own_cpu_seconds() - self.ours_before
        self.others = max(0.0, _busy_seconds() - self.busy_before - ours) / elapsed

    def summary(self) -> str:
        return (
            f"load average (1/5/15 min) before: {self.load_before}; after: {self.load_after} "
            f"(counting this benchmark); other processes kept {self.others:.0%} of the "
            f"{os.cpu_count()} CPUs busy while it ran"
        )


def _busy_seconds() -> float:
    """CPU time the whole machine has spent busy since boot (Linux /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    """CPU time of this process and of its children that have exited."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def machine_lines(watch: Watch) -> str:
    return "\n".join(f"- {fact}" for fact in [*machine(), watch.summary()])
