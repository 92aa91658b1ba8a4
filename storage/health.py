"""The health probe: can the database take a write the size of a report's, right now?"""

from __future__ import annotations

from sqlite_utils import Database

# More than one report writes (its case, frozen escalation and events, with their indexes):
# a database that can take this can take the next report.
PROBE_BYTES = 64 * 1024


def probe_write(db: Database, *, at: str) -> None:
    """Allocate a report-sized row and give the space back, in one committed transaction.

    Raises (through the writer) when the database cannot grow or write: a full disk or a
    read-only file. A row rewritten in place could reuse its own pages and pass while a
    report fails, so the probe always asks for room anew.
    """
    db.execute(
        "INSERT INTO health_probe (id, at, payload) VALUES (1, ?, zeroblob(?))",
        [at, PROBE_BYTES],
    )
    db.execute("DELETE FROM health_probe WHERE id = 1")
