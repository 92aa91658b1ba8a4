"""Purging on schedule and on demand; vacuuming now and then."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypedDict

from sqlite_utils import Database

from handlers.services import Services
from storage import purge as store_purge
from storage.purge import PurgePlan
from storage.timefmt import from_text, to_text

log = logging.getLogger("patronguard.retention")

# Retried deliveries come within minutes; a day covers every platform's retry window.
SEEN_EVENTS_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Pace:
    """How a purge shares the single writer with everything else."""

    chunk_seconds: float  # work per chunk: the next chunk is sized from how long one took
    share: float  # at most this fraction of the writer's time; it pauses for the rest
    # Fold the WAL into the file after each chunk, as a job of its own, rather than inside
    # whichever commit (a report's, say) happens to cross SQLite's 1000-page threshold.
    checkpoint_each_chunk: bool = False
    first_chunk: int = 8  # rows
    max_chunk: int = 5000


# Inside `serve`: a report waits for at most the one chunk (or checkpoint) in hand, a few
# milliseconds, and the purge takes a quarter of the writer's time, however big the backlog.
BESIDE_REPORTS = Pace(chunk_seconds=0.003, share=0.25, checkpoint_each_chunk=True)
# `patronguard purge`: longer chunks finish sooner; the pauses let a running serve's writer
# (waiting in SQLite's busy handler) take the lock between them.
ON_DEMAND = Pace(chunk_seconds=0.025, share=0.8)

Step = Callable[[Database, int], "list[str] | int"]


class Cutoffs(TypedDict):
    now: str
    drills_before: str
    demands_before: str
    events_before: str


def _cutoffs(services: Services) -> Cutoffs:
    now = services.now()
    retention = services.settings.retention
    return Cutoffs(
        now=to_text(now),
        drills_before=to_text(now - retention.drills),
        demands_before=to_text(now - retention.demands),
        events_before=to_text(now - SEEN_EVENTS_KEPT),
    )


async def purge_expired(
    services: Services,
    *,
    dry_run: bool = False,
    pace: Pace = BESIDE_REPORTS,
    stop: asyncio.Event | None = None,
) -> PurgePlan:
    """Remove closed cases, drills, demand rows and delivery keys past retention.

    Held cases are skipped until an officer releases the hold. Returns what was (or, with
    dry_run, would be) removed: counts, and the first ids of each kind. With `stop` set, it
    returns after the chunk in hand; the next purge takes the rest.
    """
    cut = _cutoffs(services)
    store = services.store
    if dry_run:  # reads only: no write lock, so a running serve is not held up
        return await store.run(
            lambda db: store_purge.plan_purge(
                db,
                now=cut["now"],
                drills_before=cut["drills_before"],
                demands_before=cut["demands_before"],
                events_before=cut["events_before"],
            ),
            transaction=False,
        )
    held = await store.run(store_purge.held_cases, transaction=False)
    if not await store.run(lambda db: store_purge.anything_due(db, **cut), transaction=False):
        return PurgePlan(held=held)
    started = time.monotonic()
    log.info("purge started")
    now = cut["now"]
    steps: dict[str, Step] = {
        "drills": lambda db, n: store_purge.purge_drills(
            db, now=now, drills_before=cut["drills_before"], limit=n
        ),
        "cases": lambda db, n: store_purge.purge_closed_cases(db, now=now, limit=n),
        "demands": lambda db, n: store_purge.purge_demands(
            db, before=cut["demands_before"], limit=n
        ),
        "seen": lambda db, n: store_purge.purge_seen_events(
            db, before=cut["events_before"], limit=n
        ),
    }
    done: dict[str, tuple[int, list[str]]] = dict.fromkeys(steps, (0, []))
    if pace.checkpoint_each_chunk:
        await store.run(lambda db: store_purge.checkpoint_at(db, 0), transaction=False)
    try:
        for name, step in steps.items():
            if stop is not None and stop.is_set():
                break
            done[name] = await _in_chunks(services, pace, step, stop)
    finally:
        if pace.checkpoint_each_chunk:
            await store.run(store_purge.checkpoint_at, transaction=False)
        await store.run(store_purge.checkpoint, transaction=False)
    (drills, drill_ids), (cases, case_ids) = done["drills"], done["cases"]
    demands, seen = done["demands"][0], done["seen"][0]
    log.info(
        "purged %d case(s), %d drill(s), %d demand row(s) in %.1f s%s",
        cases,
        drills,
        demands,
        time.monotonic() - started,
        "; stopped before the end" if stop is not None and stop.is_set() else "",
    )
    return PurgePlan(case_ids, drill_ids, demands, seen, held, cases, drills)


async def _in_chunks(
    services: Services, pace: Pace, step: Step, stop: asyncio.Event | None
) -> tuple[int, list[str]]:
    """Run `step` as many short background writer jobs until a chunk comes back short;
    return how many rows went and the first ids of them."""
    store = services.store
    loop = asyncio.get_running_loop()
    size, removed = pace.first_chunk, 0
    shown: list[str] = []

    def timed(db: Database, limit: int) -> tuple[list[str] | int, float]:
        began = time.perf_counter()
        return step(db, limit), time.perf_counter() - began

    while True:
        began = loop.time()
        result, took = await store.run(functools.partial(timed, limit=size), background=True)
        if pace.checkpoint_each_chunk:
            await store.run(store_purge.checkpoint_passive, transaction=False, background=True)
        busy = loop.time() - began
        count = result if isinstance(result, int) else len(result)
        if not isinstance(result, int) and len(shown) < store_purge.SHOWN:
            shown += result[: store_purge.SHOWN - len(shown)]
        removed += count
        if count < size or (stop is not None and stop.is_set()):
            return removed, shown
        # Aim the next chunk at the time budget, growing at most twofold per step.
        size = max(
            1, min(pace.max_chunk, size * 2, int(size * pace.chunk_seconds / max(took, 1e-6)))
        )
        await asyncio.sleep(busy * (1 / pace.share - 1))


async def vacuum_if_due(services: Services) -> bool:
    """VACUUM when `retention.vacuum_every` has passed since the last one."""
    every = services.settings.retention.vacuum_every
    last = await services.store.run(lambda db: store_purge.last_run(db, "vacuum"))
    if last and from_text(last) + every > services.now():
        return False
    await services.store.run(store_purge.vacuum, transaction=False)
    at = services.now_text()
    await services.store.run(lambda db: store_purge.record_run(db, "vacuum", at))
    return True
