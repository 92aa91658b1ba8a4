"""One thread owns the database connection; async code awaits its results.

As datasette does: the event loop never waits on a SQLite lock, and writes never race.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TypeVar

from sqlite_utils import Database

from storage.db import StorageUnavailable, connect, describe_storage_error

T = TypeVar("T")
_STOP = object()


class Store:
    """The database, reached only through `run` (async) or `call` (blocking)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
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
                job = self._jobs.get()
                if job is _STOP:
                    return
                fn, future, transaction = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    if transaction:
                        with db.atomic():
                            result = fn(db)
                    else:
                        result = fn(db)
                except sqlite3.OperationalError as exc:
                    future.set_exception(_unavailable_or_raw(self.path, exc))
                except BaseException as exc:
                    future.set_exception(exc)
                else:
                    future.set_result(result)
        finally:
            db.conn.close()

    def submit(self, fn: Callable[[Database], T], *, transaction: bool = True) -> Future:
        if self._thread is None:
            self.start()
        future: Future = Future()
        self._jobs.put((fn, future, transaction))
        return future

    async def run(self, fn: Callable[[Database], T], *, transaction: bool = True) -> T:
        """Run fn(db) in the writer thread, inside one transaction unless told otherwise."""
        return await asyncio.wrap_future(self.submit(fn, transaction=transaction))

    def call(self, fn: Callable[[Database], T], *, transaction: bool = True) -> T:
        """Blocking form of run, for the command line."""
        return self.submit(fn, transaction=transaction).result()

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._jobs.put(_STOP)
            thread.join()


def _unavailable_or_raw(path: Path, exc: sqlite3.OperationalError) -> Exception:
    text = str(exc).lower()
    if any(
        s in text for s in ("readonly", "read-only", "disk is full", "disk i/o", "unable to open")
    ):
        return StorageUnavailable(describe_storage_error(path, exc))
    return exc
