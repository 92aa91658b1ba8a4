"""Writing the files commands produce, creating missing folders, with errors a person can act on."""

from __future__ import annotations

import errno
from pathlib import Path

import click

# What to do next, by the reason the system gave; anything else gets the generic advice.
_NEXT_STEP = {
    errno.EACCES: "run the command as a user who may write there (e.g. with sudo), or choose "
    "another path",
    errno.EPERM: "run the command as a user who may write there (e.g. with sudo), or choose "
    "another path",
    errno.EROFS: "that disk is read-only; choose another path",
    errno.ENOSPC: "the disk is full; free some space or choose another path",
    errno.ENOTDIR: "part of that path is a file, not a folder; choose another path",
    errno.EEXIST: "part of that path is a file, not a folder; choose another path",
    errno.EISDIR: "that is a folder; give a file name inside it",
}


class CannotWrite(Exception):
    """A file or folder could not be made; the message is one line saying what to do."""


def explain(action: str, path: Path, exc: OSError) -> str:
    """One line: what failed, the system's reason, and what to do next."""
    reason = (exc.strerror or type(exc).__name__).lower()
    next_step = _NEXT_STEP.get(exc.errno or 0, "check the path and try again")
    return f"cannot {action} {path}: {reason}; {next_step}"


def make_folder_for(path: Path, *, mode: int = 0o777) -> None:
    """Create the folders above `path` that are missing (`mode` applies to new ones only)."""
    folder = path.parent
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=mode)
    except OSError as exc:
        raise CannotWrite(explain("create the folder", folder, exc)) from None


def write_text(path: Path, text: str) -> None:
    """Write `text` to `path` whole or not at all, creating missing folders first."""
    make_folder_for(path)
    try:
        # Atomic: a reader never sees half a file, and a failure leaves the old one in place.
        with click.open_file(str(path), "w", encoding="utf-8", atomic=True) as out:
            out.write(text)
    except OSError as exc:
        raise CannotWrite(explain("write", path, exc)) from None
