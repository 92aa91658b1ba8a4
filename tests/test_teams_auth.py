"""POST /api/messages: Bot Framework authentication, malformed requests, and settings."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from bot.config import Settings
from bot.server import StartupError, create_app
from bot.teams.auth import (
    MANAGED_IDENTITY,
    MULTI_TENANT,
    SINGLE_TENANT,
    AuthSettings,
    auth_settings,
)
from tests.teams_harness import STAFF, TeamsHarness, teams_settings

APP_ID = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
TENANT = "0b0c0d0e-1a2b-4c3d-8e9f-a0b1c2d3e4f5"
SECURED = {
    "MICROSOFT_APP_ID": APP_ID,
    "MICROSOFT_APP_PASSWORD": "not-a-real-secret",
    "MICROSOFT_APP_TENANT_ID": TENANT,
}  # SingleTenant, the default


def unsigned_token(claims: dict[str, object]) -> str:
    """A JWT-shaped token with no valid signature, from an issuer Bot Framework never uses."""

    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


async def test_with_an_app_id_unauthenticated_requests_get_401_and_store_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    async with TeamsHarness.running(
        teams_settings(settings), tmp_path / "pg.db", env=SECURED
    ) as teams:
        attempts = [
            {},
            {"Authorization": "Bearer not-a-token"},
            {"Authorization": "Basic dXNlcjpwYXNz"},
            {
                "Authorization": "Bearer "
                + unsigned_token({"iss": "https://evil.example", "aud": APP_ID})
            },
        ]
        for headers in attempts:
            message = teams.activity(STAFF, text="an officer wants records")
            assert await teams.post(message, **headers) == 401
            install = teams.activity(STAFF, type="conversationUpdate", membersAdded=[{"id": "x"}])
            assert await teams.post(install, **headers) == 401
        assert teams.connector.activities == []
        for table in ("cases", "pages", "conversation_refs", "seen_events"):
            assert teams.count(table) == 0, table


async def test_malformed_requests_get_a_4xx_never_a_500(settings: Settings, tmp_path: Path) -> None:
    async with TeamsHarness.running(teams_settings(settings), tmp_path / "pg.db") as teams:
        json_type = {"Content-Type": "application/json"}
        cases = [
            (b'{"type": "message"', json_type, 400),
            (b"[1, 2]", json_type, 400),
            (b'{"text": "no type"}', json_type, 400),
            (b'{"type": "message", "from": "someone"}', json_type, 400),
            (b'{"type": "message", "timestamp": "yesterday"}', json_type, 400),
            (b"\xff\xfe", json_type, 400),
            (b"type=message", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
            (b'{"type": "message"}', {"Content-Type": "text/plain"}, 415),
            (b"x" * (300 * 1024), json_type, 413),
        ]
        for body, headers, status in cases:
            response = await teams.post_raw(body, headers=headers)
            assert response.status == status, (body[:40], response.status)
        # Well-formed but naming no sender: refused before anything runs.
        assert await teams.post({"type": "message", "text": "hello"}) == 400
        assert await teams.post({"type": "typing"}) == 400
        invoke = teams.activity(STAFF, type="invoke", name="adaptiveCard/action", value={})
        assert await teams.post(invoke) == 200  # nothing PatronGuard offers invokes
        assert teams.connector.activities == []
        assert teams.count("cases") == 0


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ("", "", "", MULTI_TENANT)),  # no app id: botbuilder's authentication-off path
        (
            {
                "MICROSOFT_APP_ID": f" {APP_ID} ",
                "MICROSOFT_APP_PASSWORD": "pw",
                "MICROSOFT_APP_TENANT_ID": TENANT,
            },
            (APP_ID, "pw", TENANT, SINGLE_TENANT),
        ),
        (
            {
                "MICROSOFT_APP_ID": APP_ID,
                "MICROSOFT_APP_PASSWORD": "pw",
                "MICROSOFT_APP_TYPE": "MultiTenant",
            },
            (APP_ID, "pw", "", MULTI_TENANT),
        ),
        (
            {
                "MICROSOFT_APP_ID": APP_ID,
                "MICROSOFT_APP_PASSWORD": "pw",
                "MICROSOFT_APP_TENANT_ID": TENANT,
                "MICROSOFT_APP_TYPE": "singletenant",
            },
            (APP_ID, "pw", TENANT, SINGLE_TENANT),
        ),
        (
            {
                "MICROSOFT_APP_ID": APP_ID,
                "MICROSOFT_APP_TENANT_ID": "library.onmicrosoft.com",
                "MICROSOFT_APP_TYPE": "UserAssignedMSI",
            },
            (APP_ID, "", "library.onmicrosoft.com", MANAGED_IDENTITY),
        ),
    ],
)
def test_settings_that_fit_together_are_accepted(
    env: dict[str, str], expected: tuple[str, str, str, str]
) -> None:
    assert auth_settings(env) == AuthSettings(*expected)


@pytest.mark.parametrize(
    ("env", "names"),
    [
        (
            {"MICROSOFT_APP_ID": "patronguard-bot", "MICROSOFT_APP_PASSWORD": "pw"},
            "MICROSOFT_APP_ID",
        ),
        ({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_TENANT_ID": TENANT}, "MICROSOFT_APP_PASSWORD"),
        ({"MICROSOFT_APP_PASSWORD": "pw"}, "MICROSOFT_APP_PASSWORD"),
        ({"MICROSOFT_APP_TENANT_ID": TENANT}, "MICROSOFT_APP_TENANT_ID"),
        ({"MICROSOFT_APP_TYPE": "SingleTenant"}, "MICROSOFT_APP_ID"),
        ({"MICROSOFT_APP_TYPE": "MultiTenant"}, "MICROSOFT_APP_ID"),
        (
            {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "pw"},
            "MICROSOFT_APP_TENANT_ID.*MICROSOFT_APP_TYPE=MultiTenant",
        ),
        (
            {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_TYPE": "SingleTenant"},
            "MICROSOFT_APP_TENANT_ID",
        ),
        ({**SECURED, "MICROSOFT_APP_TYPE": "Everyone"}, "MICROSOFT_APP_TYPE"),
        ({**SECURED, "MICROSOFT_APP_TYPE": "MultiTenant"}, "MICROSOFT_APP_TENANT_ID"),
        ({**SECURED, "MICROSOFT_APP_TYPE": "UserAssignedMSI"}, "MICROSOFT_APP_PASSWORD"),
        (
            {
                **SECURED,
                "MICROSOFT_APP_TYPE": "SingleTenant",
                "MICROSOFT_APP_TENANT_ID": "not a tenant",
            },
            "MICROSOFT_APP_TENANT_ID",
        ),
    ],
)
def test_inconsistent_settings_stop_the_server_naming_the_variable(
    settings: Settings, tmp_path: Path, env: dict[str, str], names: str
) -> None:
    with pytest.raises(StartupError, match=names):
        auth_settings(env)
    with pytest.raises(StartupError, match=names):
        create_app(settings, tmp_path / "pg.db", env, slack=False)


async def test_without_an_app_id_only_a_local_service_url_is_served(tmp_path) -> None:
    from bot.config import load_default_settings
    from tests.teams_harness import STAFF, TeamsHarness

    settings = teams_settings(load_default_settings())
    async with TeamsHarness.running(settings, tmp_path / "p.db") as teams:
        outside = teams.activity(STAFF, text="hello", serviceUrl="https://attacker.example/")
        assert await teams.post(outside) == 401
        assert teams.connector.activities == []
        assert await teams.post(teams.activity(STAFF, text="hello")) in (200, 201)
