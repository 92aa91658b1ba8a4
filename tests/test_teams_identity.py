"""Officers may be configured by their Microsoft Entra object id, which IT can look up."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from tests.teams_harness import SAM, STAFF, TeamsHarness, card_text, cards_of

DANA_TEAMS = "29:1dana-per-bot-id"
DANA_ENTRA = "5f0c1b2a-3d4e-4f60-8a9b-0c1d2e3f4a5b"


async def test_officer_named_by_entra_object_id_is_recognised_and_paged(
    settings: Settings, tmp_path: Path
) -> None:
    officers = [
        settings.officers[0].model_copy(update={"teams_id": DANA_ENTRA, "slack_id": None}),
        settings.officers[1].model_copy(update={"teams_id": SAM}),  # Teams is the only chat on
        *settings.officers[2:],
    ]
    configured = settings.model_copy(update={"officers": officers})
    async with TeamsHarness.running(configured, tmp_path / "p.db") as teams:
        install = teams.activity(
            DANA_TEAMS,
            type="conversationUpdate",
            membersAdded=[{"id": teams.activity(DANA_TEAMS)["recipient"]["id"]}],
        )
        install["from"]["aadObjectId"] = DANA_ENTRA
        assert await teams.post(install) == 201
        asked = teams.activity(DANA_TEAMS, text="report")
        asked["from"]["aadObjectId"] = DANA_ENTRA
        assert await teams.post(asked) == 201
        [summary] = teams.find(DANA_TEAMS, lambda text: "Records requests, last" in text)
        assert "Requests" in card_text(cards_of(summary)[0])  # an officer, not refused
        assert await teams.say(STAFF, "someone wants a patron's records") == 201
        page = await teams.wait_for_card(DANA_TEAMS, lambda text: "Acknowledge" in text)
        assert page.conversation_id == teams.personal[DANA_TEAMS]
