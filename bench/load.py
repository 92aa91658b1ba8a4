"""Load benchmark: N reports at once to `patronguard serve`, and the same burst to a bare Bolt app.

Not a test. Four processes on loopback, as in slack_ack.py: this client, the Slack stand-in
(bench/standin.py), `patronguard serve` from a config, and the bare Bolt baseline
(bench/bare_bolt.py) against the same stand-in. The client has no cap on connections, so a
burst leaves it at once. Both servers get the same warm-up burst; then, for each round, one
burst to each server in a random order. PatronGuard's outbox is left to drain (every case
paged) before anything else is sent, so neither app's burst meets the other's work.

It reports ack p50/p99 for both and their ratio; for every case, the time from its command to
its first page in the officer's DM as the stand-in recorded it; serve's peak RSS; and how
many page messages the officer's DM got, at most in one second.

Run from the repository root, with the test extra installed:

    python bench/load.py -n 200

It prints a table and, unless --no-readme, writes its section of bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchlib import Watch, machine_lines, ms, percentile, today, verdict, write_section
from processes import (
    FIRST_OFFICER,
    Ack,
    StandIn,
    burst,
    client,
    cpu_seconds,
    settled,
    start_bare,
    start_serve,
    wait_ready,
)

TARGET_ACK = 1.0  # seconds, PatronGuard's ack p99
TARGET_RATIO = 3.0  # PatronGuard's ack p99 over the bare app's
TARGET_PAGE_AFTER_ACK = 1.0  # first page p99 at most this long after the ack p99
DRAIN = 180.0  # the longest to wait for a burst's cases to be paged


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def run(args: argparse.Namespace) -> dict:
    standin = StandIn()
    try:
        with tempfile.TemporaryDirectory() as folder:
            ours = start_serve(Path(folder), standin.api_url, args.officers)
            bare = start_bare(standin.api_url)
            try:
                await asyncio.gather(wait_ready(ours), wait_ready(bare))
                async with client() as session:
                    acks: dict[str, list[Ack]] = {ours.name: [], bare.name: []}
                    cpu: dict[str, list[float]] = {n: [0.0, 0.0] for n in (ours.name, bare.name)}
                    shuffle = random.Random(args.seed).shuffle
                    measured_from = 0.0
                    for round_ in range(1 + args.rounds):  # round 0 is the warm-up
                        pair = [ours, bare]
                        shuffle(pair)
                        for server in pair:
                            triggers = await standin.triggers(session, args.n)
                            server_cpu = cpu_seconds(server.process.pid)
                            standin_cpu = cpu_seconds(standin.process.pid)
                            got = await burst(
                                session, server.events, triggers, args.staff, args.channels
                            )
                            if round_:  # CPU used while the burst was being answered
                                cpu[server.name][0] += cpu_seconds(server.process.pid) - server_cpu
                                cpu[server.name][1] += (
                                    cpu_seconds(standin.process.pid) - standin_cpu
                                )
                            if server is ours:  # its pages go out before anything else
                                cases = {a.case_id for a in got}
                                arrived = await settled(standin, session, cases, DRAIN)
                                if not cases <= set(arrived) or "" in cases:
                                    raise SystemExit("not every report was paged")
                            if round_:
                                acks[server.name] += got
                            elif server is pair[-1]:
                                measured_from = max(a.sent + a.seconds for a in got)
                    arrived = await standin.first_pages(session, FIRST_OFFICER)
                    page_times = await standin.page_times(session, FIRST_OFFICER)
                    refused = await standin.refused(session)
                rss = ours.peak_rss_mib()
            finally:
                ours.stop()
                bare.stop()
    finally:
        standin.stop()
    if refused:
        raise SystemExit(f"the stand-in refused calls, the figures are not valid: {refused[:5]}")
    measured = [t for t in page_times if t > measured_from]
    return {
        "ours": [a.seconds for a in acks[ours.name]],
        "bare": [a.seconds for a in acks[bare.name]],
        "page": [arrived[a.case_id] - a.sent for a in acks[ours.name]],
        "cases": len(acks[ours.name]),
        "cpu": {
            name: [used / max(1, len(acks[name])) for used in pair] for name, pair in cpu.items()
        },
        "names": (ours.name, bare.name),
        "rss": rss,
        "messages": len(measured),
        "busiest": busiest_second(measured),
    }


def table(r: dict, args: argparse.Namespace) -> list[str]:
    p = {f"{k}{q}": percentile(r[k], q) for k in ("ours", "bare", "page") for q in (50, 99)}
    ratio50, ratio99 = p["ours50"] / p["bare50"], p["ours99"] / p["bare99"]
    page_limit = p["ours99"] + TARGET_PAGE_AFTER_ACK
    ours, bare = r["names"]

    def cpu(name: str) -> str:
        server, standin = r["cpu"][name]
        return f"{server * 1000:.2f} ms / {standin * 1000:.2f} ms"

    ack_verdicts = (
        f"< 1 s: {verdict(p['ours99'], TARGET_ACK, ' s')}; "
        f"≤ 3×: {verdict(ratio99, TARGET_RATIO, '×')}"
    )
    return [
        "| measure | PatronGuard | bare Bolt (ack only) | ratio | target | verdict |",
        "|---|---|---|---|---|---|",
        f"| ack, p50 | {ms(p['ours50'])} | {ms(p['bare50'])} | {ratio50:.2f}× | — | — |",
        f"| ack, p99 | {ms(p['ours99'])} | {ms(p['bare99'])} | {ratio99:.2f}× | "
        f"< 1 s and ≤ {TARGET_RATIO:.0f}× | {ack_verdicts} |",
        f"| command to the case's first page, p50 | {ms(p['page50'])} | — | — | — | — |",
        f"| command to the case's first page, p99 | {ms(p['page99'])} | ack p99: "
        f"{ms(p['ours99'])} | — | ≤ ack p99 + 1 s = {ms(page_limit)} | "
        f"{verdict(p['page99'], page_limit, ' s')} |",
        f"| cases measured (all paged) | {r['cases']} | {len(r['bare'])} acks | — | — | — |",
        f"| CPU per report while a burst is answered: server / stand-in | {cpu(ours)} | "
        f"{cpu(bare)} | {r['cpu'][ours][0] / r['cpu'][bare][0]:.1f}× (server) | — | — |",
        f"| serve's peak RSS | {r['rss']:.0f} MiB | — | — | — | — |",
        f"| page messages to the first officer / most in one second | {r['messages']} / "
        f"{r['busiest']} | — | — | — | — |",
    ]


def readme(args: argparse.Namespace, lines: list[str], watch: Watch) -> str:
    return f"""
## `load.py`: {args.n} reports at once

Four processes on loopback, as in `slack_ack.py`: the client, the Slack stand-in
(`bench/standin.py`), `patronguard serve` from a config with {args.officers} officers, and the
bare Bolt baseline (`bench/bare_bolt.py`) against the same stand-in. The client has no cap on
connections (`TCPConnector(limit=0)`): each burst of {args.n} signed `/records-request`
commands, from {args.staff} staff members in {args.channels} channels, leaves it at once. Both
servers get the same warm-up burst, then {args.rounds} round(s) of one burst each in a random
order (seed {args.seed}); PatronGuard's outbox drains (every case paged) before anything else
is sent. The figures are over every command of the measured bursts. Every case pages the
first officer; the stand-in records when each case was first named in a message to that DM.

```bash
python bench/load.py -n {args.n} --rounds {args.rounds}
```

Results ({today()}):

{chr(10).join(lines)}

Machine:

{machine_lines(watch)}

Reading the figures:

- The bare app only acks; PatronGuard writes each case, its frozen escalation (one row)
  and the first officer's page before it answers. Reports that arrive together are
  committed together by the single writer (one fsync for the group, a savepoint each), so
  the burst costs a few fsyncs, not {args.n}.
- In a burst each report waits for the ones ahead of it on serve's one event loop, so the
  ack grows with the CPU each report costs (the CPU row): besides the case and its
  escalation, serve builds the ack's Block Kit with slack_sdk's models, opens the intake
  modal (`views.open`: the request and its round trip) and sends pages, and Bolt wakes
  every pending listener every 10 ms until its ack. Under a profiler (so only roughly),
  opening the modal is about 40% of serve's loop time in a burst, the ack's blocks about
  15%, PatronGuard's own handlers about 10%, the rest Bolt, aiohttp, slack_sdk and the
  pager. The bare app makes no Web API call; the stand-in's own work (it checks every modal
  and page against Slack's schemas) runs on the same two cores as serve.
- Time to first page: the pager sends at most one page message a second to an officer's DM
  (Slack's per-channel rate), and one message names every case due for that officer (with
  Acknowledge buttons for the first 25, Slack's limit), so a burst reaches the officer in a
  few messages (the last row) and its last case is named within about a second of its ack.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200, help="reports sent at once (default 200)")
    parser.add_argument("--rounds", type=int, default=2, help="measured bursts per server")
    parser.add_argument("--staff", type=int, default=50, help="distinct staff members")
    parser.add_argument("--channels", type=int, default=20, help="distinct Slack channels")
    parser.add_argument("--officers", type=int, default=8, help="officers in the config")
    parser.add_argument("--seed", type=int, default=1, help="seed of the order in each round")
    parser.add_argument("--no-readme", action="store_true", help="only print the table")
    args = parser.parse_args()
    watch = Watch()
    result = asyncio.run(run(args))
    watch.stop()
    lines = table(result, args)
    print("\n".join(lines))
    print(watch.summary())
    if not args.no_readme:
        write_section("load", readme(args, lines, watch))


if __name__ == "__main__":
    main()
