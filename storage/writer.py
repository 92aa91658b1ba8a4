"""One thread owns the database connection; async code awaits its results.

As datasette does: the event loop never waits on a SQLite lock, and writes never race.
Background jobs (purge chunks) run one at a time, only when nothing else is waiting, so a
report queued behind them waits for one of them at most.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TypeVar

from sqlite_utils import Database

from storage.db import StorageUnavailable, connect, describe_storage_error

T = TypeVar("T")
_STOP = object()
_BACKGROUND = object()  # wakes the writer for a job waiting in the background lane
MAX_BATCH = 64  # jobs committed together when they queue up at once


class Store:
    """The database, reached only through `run` (async) or `call` (blocking)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._background: deque = deque()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Open the database in the writer thread; raise StorageUnavailable if it cannot."""
        with self._lock:
            if self._thread is not None:
                return
            ready: Future = Future()
            self._thread = threading.Thread(
                target=self._serve, args=(ready,), name="patronguard-db", daemon=True
            )
            self._thread.start()
        try:
            ready.result()
        except BaseException:
            self._thread.join()
            self._thread = None
            raise

    def _serve(self, ready: Future) -> None:
        try:
            db = connect(self.path)
        except BaseException as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        try:
            while True:
                batch = self._next_batch()
                if batch is None:
                    return
                self._run_batch(db, batch)
        finally:
            db.conn.close()
            while self._background:  # never run: say so rather than leave a caller waiting
                future = self._background.popleft()[1]
                if future.set_running_or_notify_cancel():
                    future.set_exception(StorageUnavailable("the database was closed"))

    def _next_batch(self) -> list | None:
        """Wait for a job, then take every transactional job already waiting with it.

        A background job runs alone, and only when no other job is waiting."""
        job = self._jobs.get()
        if job is _BACKGROUND:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return [self._background.popleft()]
            self._jobs.put(_BACKGROUND)  # its turn comes after what is waiting now
            if job is _BACKGROUND:
                return [self._background.popleft()]
        if job is _STOP:
            return None
        batch = [job]
        while job[2] and len(batch) < MAX_BATCH:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is _STOP or job is _BACKGROUND or not job[2]:
                self._jobs.put(job)  # handled on its own, after this batch
                break
            batch.append(job)
        return batch

    def _run_batch(self, db: Database, batch: list) -> None:
        """Group commit: one transaction and one fsync for the batch; a savepoint per job,
        so a job that fails rolls back alone and the others still commit."""
        jobs = [
            (fn, future, tx) for fn, future, tx in batch if future.set_running_or_notify_cancel()
        ]
        if len(jobs) == 1 and not jobs[0][2]:
            fn, future, _ = jobs[0]
            self._settle(future, lambda: fn(db))
            return
        outcomes: list[tuple[Future, bool, object]] = []
        try:
            db.execute("BEGIN IMMEDIATE")
            for index, (fn, future, _) in enumerate(jobs):
                db.execute(f"SAVEPOINT job{index}")
                try:
                    result = fn(db)
                except BaseException as exc:
                    if not db.conn.in_transaction:  # SQLite dropped it all (full, I/O error)
                        raise _BatchLost(exc) from None
                    db.execute(f"ROLLBACK TO job{index}")
                    db.execute(f"RELEASE job{index}")
                    outcomes.append((future, False, exc))
                else:
                    db.execute(f"RELEASE job{index}")
                    outcomes.append((future, True, result))
            db.execute("COMMIT")
        except (sqlite3.Error, _BatchLost) as exc:
            # Nothing in the batch committed: every job hears so, none is told it succeeded.
            if db.conn.in_transaction:
                db.execute("ROLLBACK")
            cause = exc.cause if isinstance(exc, _BatchLost) else exc
            failure = (
                _unavailable_or_raw(self.path, cause)
                if isinstance(cause, sqlite3.OperationalError)
                else cause
            )
            for _, future, _ in jobs:
                if not future.done():
                    future.set_exception(failure)
            return
        for future, ok, value in outcomes:
            if ok:
                future.set_result(value)
            elif isinstance(value, sqlite3.OperationalError):
                future.set_exception(_unavailable_or_raw(self.path, value))
            elif isinstance(value, BaseException):
                future.set_exception(value)

    def _settle(self, future: Future, call: Callable[[], object]) -> None:
        try:
            result = call()
        except sqlite3.OperationalError as exc:
            future.set_exception(_unavailable_or_raw(self.path, exc))
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)

    def submit(
        self, fn: Callable[[Database], T], *, transaction: bool = True, background: bool = False
    ) -> Future:
        if self._thread is None:
            self.start()
        future: Future = Future()
        if background:
            self._background.append((fn, future, transaction))
            self._jobs.put(_BACKGROUND)
        else:
            self._jobs.put((fn, future, transaction))
        return future

    async def run(
        self, fn: Callable[[Database], T], *, transaction: bool = True, background: bool = False
    ) -> T:
        """Run fn(db) in the writer thread, inside one transaction unless told otherwise.

        `background`: after every other job already waiting, and in a transaction of its own.
        """
        return await asyncio.wrap_future(
            self.submit(fn, transaction=transaction, background=background)
        )

    def call(self, fn: Callable[[Database], T], *, transaction: bool = True) -> T:
        """Blocking form of run, for the command line."""
        return self.submit(fn, transaction=transaction).result()

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._jobs.put(_STOP)
            thread.join()


class _BatchLost(Exception):
    def __init__(self, cause: BaseException):
        super().__init__(type(cause).__name__)
        self.cause = cause


def _unavailable_or_raw(path: Path, exc: sqlite3.OperationalError) -> Exception:
    text = str(exc).lower()
    if any(
        s in text for s in ("readonly", "read-only", "disk is full", "disk i/o", "unable to open")
    ):
        return StorageUnavailable(describe_storage_error(path, exc))
    return exc
