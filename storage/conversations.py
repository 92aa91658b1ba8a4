"""Teams conversation references, so the bot can message an officer first."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database


def save_reference(db: Database, user_id: str, reference: dict[str, Any], *, at: str) -> None:
    db.table("conversation_refs").upsert(
        {"user_id": user_id, "reference": json.dumps(reference), "updated_at": at}, pk="user_id"
    )


def get_reference(db: Database, user_id: str) -> dict[str, Any] | None:
    rows = list(db["conversation_refs"].rows_where("user_id = ?", [user_id], limit=1))
    return json.loads(rows[0]["reference"]) if rows else None


def users_with_reference(db: Database) -> set[str]:
    return {r["user_id"] for r in db["conversation_refs"].rows}
