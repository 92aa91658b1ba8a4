"""Where a person can be reached first: the chat references a channel keeps (Teams)."""

from __future__ import annotations

from typing import Any

from handlers.services import Services
from storage import conversations


async def remember_reference(services: Services, user_id: str, reference: dict[str, Any]) -> None:
    """Keep where to reach `user_id` (ids and a service address only, never what they wrote)."""
    at = services.now_text()
    await services.store.run(lambda db: conversations.save_reference(db, user_id, reference, at=at))


async def reference_for(services: Services, user_id: str) -> dict[str, Any] | None:
    return await services.store.run(lambda db: conversations.get_reference(db, user_id))
