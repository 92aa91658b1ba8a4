"""Rows as dicts straight from the cursor, for queries on the hot path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database


def fetch_rows(db: Database, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Every row of `sql` as a dict. sqlite-utils' query() wraps each read in a savepoint of
    its own, two more statements per read inside the writer's transaction."""
    cursor = db.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]
