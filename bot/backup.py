"""`patronguard backup`: a consistent copy of the live database, through SQLite's backup API.

The copy is taken while `serve` runs (WAL mode lets readers and the one writer proceed),
checked with PRAGMA integrity_check, and readable by its owner only. A backup keeps
whatever it holds until the backup itself is deleted: purging the live database does not
reach into old backups, so rotate them within the retention periods.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from bot.files import CannotWrite, explain, make_folder_for
from storage.backup import CopyFailed, copy_database, integrity

BACKUP_MODE = 0o600
FOLDER_MODE = 0o700  # a folder made for backups is as private as the backups in it


class BackupError(Exception):
    """The backup could not be made; the message says what to do."""


@dataclass(frozen=True)
class BackupResult:
    source: Path
    target: Path
    size_bytes: int
    integrity: str  # "ok" when PRAGMA integrity_check passed


def backup_database(source: Path, target: Path, *, force: bool = False) -> BackupResult:
    """Copy `source` into `target` (replacing it only with `force`); verify and lock it down."""
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise BackupError(
            f"no database at {source}; pass --db or set PATRONGUARD_DB to the file serve uses"
        )
    if target.exists() and not force:
        raise BackupError(f"{target} already exists; use --force to replace it")
    if target.resolve() == source.resolve():
        raise BackupError("the backup must be a different file from the database")
    try:
        make_folder_for(target, mode=FOLDER_MODE)
    except CannotWrite as exc:
        raise BackupError(str(exc)) from None
    partial = target.with_name(f".{target.name}.partial")
    try:
        _create_private(partial)
        copy_database(source, partial)
        os.chmod(partial, BACKUP_MODE)
        checked = integrity(partial)
        if checked != "ok":
            raise BackupError(
                f"the copy failed its integrity check ({checked}); the database may be "
                "damaged: keep your older backups and run `patronguard check`"
            )
        os.replace(partial, target)  # atomic: the target is either the old file or a checked copy
    except CopyFailed as exc:
        next_step = (
            "check that --db or PATRONGUARD_DB names the database serve uses"
            if exc.not_a_database
            else "check the disk space and permissions"
        )
        raise BackupError(f"could not back up {source} ({exc}); {next_step}") from None
    except OSError as exc:
        raise BackupError(explain("write", target, exc)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return BackupResult(source, target, target.stat().st_size, checked)


def _create_private(partial: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    # Created 0600 before SQLite writes a byte, so the copy is never readable by others.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, BACKUP_MODE))
