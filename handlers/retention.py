"""Purging on schedule and on demand; vacuuming now and then."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

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
    """How a purge shares the writer: chunks sized to `chunk_seconds` of work each, with
    `pause_seconds` between them for whatever else is waiting to write."""

    chunk_seconds: float
    pause_seconds: float
    first_chunk: int = 8  # rows; later chunks are sized from how long the last one took
    max_chunk: int = 5000


# Inside `serve`: a report queued behind the purge waits for one chunk of a few ms.
BESIDE_REPORTS = Pace(chunk_seconds=0.003, pause_seconds=0.003)
# `patronguard purge`: longer chunks finish sooner; the pause lets a running serve's
# writer (waiting in SQLite's busy handler) take the lock between them.
ON_DEMAND = Pace(chunk_seconds=0.025, pause_seconds=0.005)


def _cutoffs(services: Services) -> dict[str, str]:
    now = services.now()
    retention = services.settings.retention
    return {
        "now": to_text(now),
        "drills_before": to_text(now - retention.drills),
        "demands_before": to_text(now - retention.demands),
        "events_before": to_text(now - SEEN_EVENTS_KEPT),
    }


async def purge_expired(
    services: Services, *, dry_run: bool = False, pace: Pace = BESIDE_REPORTS
) -> PurgePlan:
    """Remove closed cases, drills, demand rows and delivery keys past retention.

    Held cases are skipped until an officer releases the hold. Returns what was (or, with
    dry_run, would be) removed: counts, and the first ids of each kind.
    """
    cut = _cutoffs(services)
    store = services.store
    if dry_run:  # reads only: no write lock, so a running serve is not held up
        return await store.run(lambda db: store_purge.plan_purge(db, **cut), transaction=False)
    held = await store.run(store_purge.held_cases, transaction=False)
    if not await store.run(lambda db: store_purge.anything_due(db, **cut), transaction=False):
        return PurgePlan(held=held)
    started = time.monotonic()
    log.info("purge started")
    now, drills_before = cut["now"], cut["drills_before"]
    drills, drill_ids = await _in_chunks(
        services,
        pace,
        lambda db, n: store_purge.purge_drills(db, now=now, drills_before=drills_before, limit=n),
    )
    cases, case_ids = await _in_chunks(
        services, pace, lambda db, n: store_purge.purge_closed_cases(db, now=now, limit=n)
    )
    demands, _ = await _in_chunks(
        services,
        pace,
        lambda db, n: store_purge.purge_demands(db, before=cut["demands_before"], limit=n),
    )
    seen, _ = await _in_chunks(
        services,
        pace,
        lambda db, n: store_purge.purge_seen_events(db, before=cut["events_before"], limit=n),
    )
    await store.run(store_purge.checkpoint, transaction=False)
    log.info(
        "purged %d case(s), %d drill(s), %d demand row(s) in %.1f s",
        cases,
        drills,
        demands,
        time.monotonic() - started,
    )
    return PurgePlan(case_ids, drill_ids, demands, seen, held, cases, drills)


Step = Callable[[Database, int], "list[str] | int"]


async def _in_chunks(services: Services, pace: Pace, step: Step) -> tuple[int, list[str]]:
    """Run `step` as many short writer jobs until a chunk comes back short; return how many
    rows went and the first ids of them."""
    size, removed, shown = pace.first_chunk, 0, []

    def timed(db: Database, limit: int) -> tuple[list[str] | int, float]:
        began = time.perf_counter()
        return step(db, limit), time.perf_counter() - began

    while True:
        result, took = await services.store.run(lambda db, limit=size: timed(db, limit))
        count = result if isinstance(result, int) else len(result)
        if not isinstance(result, int) and len(shown) < store_purge.SHOWN:
            shown += result[: store_purge.SHOWN - len(shown)]
        removed += count
        if count < size:
            return removed, shown
        # Aim the next chunk at the time budget, growing at most twofold per step.
        size = max(
            1, min(pace.max_chunk, size * 2, int(size * pace.chunk_seconds / max(took, 1e-6)))
        )
        await asyncio.sleep(pace.pause_seconds)


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
