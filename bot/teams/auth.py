"""Bot Framework authentication for Teams, from the MICROSOFT_APP_* environment variables.

`auth_settings` reads and checks the variables (raising StartupError naming the one to fix);
`build_adapter` makes botbuilder's CloudAdapter from them. With no MICROSOFT_APP_ID the bot
accepts unauthenticated requests, as the Bot Framework Emulator expects: local testing only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult

from bot.server import StartupError

log = logging.getLogger("patronguard.teams")

MULTI_TENANT = "MultiTenant"
SINGLE_TENANT = "SingleTenant"
MANAGED_IDENTITY = "UserAssignedMSI"
APP_TYPES = (MULTI_TENANT, SINGLE_TENANT, MANAGED_IDENTITY)

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_TENANT_DOMAIN = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


@dataclass(frozen=True)
class AuthSettings:
    """The attributes botbuilder's configuration classes read, by their expected names."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TENANTID: str = ""
    APP_TYPE: str = MULTI_TENANT

    @property
    def enabled(self) -> bool:
        return bool(self.APP_ID)


def auth_settings(env: Mapping[str, str]) -> AuthSettings:
    """Read the MICROSOFT_APP_* variables; refuse combinations that cannot work."""
    app_id = env.get("MICROSOFT_APP_ID", "").strip()
    password = env.get("MICROSOFT_APP_PASSWORD", "").strip()
    tenant = env.get("MICROSOFT_APP_TENANT_ID", "").strip()
    app_type = _app_type(env.get("MICROSOFT_APP_TYPE", "").strip())
    if not app_id:
        for name, value in (
            ("MICROSOFT_APP_PASSWORD", password),
            ("MICROSOFT_APP_TENANT_ID", tenant),
        ):
            if value:
                # Refusing beats silently running with authentication off.
                raise StartupError(
                    f"{name} is set but MICROSOFT_APP_ID is empty: set MICROSOFT_APP_ID to the "
                    "bot's Microsoft App ID, or unset both for local testing without Teams"
                )
        if app_type != MULTI_TENANT:
            raise StartupError(f"MICROSOFT_APP_TYPE={app_type} needs MICROSOFT_APP_ID")
        return AuthSettings()
    if not _GUID.fullmatch(app_id):
        raise StartupError(
            "MICROSOFT_APP_ID is not a GUID: copy the bot's Microsoft App ID from Azure, "
            "it looks like 6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
        )
    _check_combination(app_type, password, tenant)
    return AuthSettings(app_id, password, tenant, app_type)


def _app_type(raw: str) -> str:
    if not raw:
        return MULTI_TENANT
    for known in APP_TYPES:
        if raw.lower() == known.lower():
            return known
    raise StartupError(f"MICROSOFT_APP_TYPE must be one of {', '.join(APP_TYPES)}, not {raw!r}")


def _check_combination(app_type: str, password: str, tenant: str) -> None:
    if app_type in (SINGLE_TENANT, MANAGED_IDENTITY):
        if not tenant:
            raise StartupError(
                f"MICROSOFT_APP_TYPE={app_type} needs MICROSOFT_APP_TENANT_ID "
                "(your Microsoft Entra tenant id)"
            )
        if not (_GUID.fullmatch(tenant) or _TENANT_DOMAIN.fullmatch(tenant)):
            raise StartupError(
                "MICROSOFT_APP_TENANT_ID must be a tenant id (a GUID) or its domain name"
            )
    elif tenant:
        raise StartupError(
            "MICROSOFT_APP_TENANT_ID is set but MICROSOFT_APP_TYPE is MultiTenant, which ignores "
            "it: set MICROSOFT_APP_TYPE=SingleTenant, or unset MICROSOFT_APP_TENANT_ID"
        )
    if app_type == MANAGED_IDENTITY and password:
        raise StartupError(
            "MICROSOFT_APP_PASSWORD must be empty with MICROSOFT_APP_TYPE=UserAssignedMSI: "
            "a managed identity has no password"
        )
    if app_type != MANAGED_IDENTITY and not password:
        raise StartupError(f"MICROSOFT_APP_TYPE={app_type} needs MICROSOFT_APP_PASSWORD")


class _RefusingAuthentication(ConfigurationBotFrameworkAuthentication):
    """Any failure to authenticate an inbound request is a refusal (401), never a 500."""

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        try:
            return await super().authenticate_request(activity, auth_header)
        except PermissionError:
            raise
        except Exception as exc:  # a malformed token raises jwt errors, not PermissionError
            log.warning("refused a Teams request: %s", type(exc).__name__)
            raise PermissionError("the request's token could not be validated") from None


def build_adapter(settings: AuthSettings) -> CloudAdapter:
    """botbuilder's CloudAdapter, authenticating requests when an app id is configured."""
    if not settings.enabled:
        log.warning("Teams authentication is off (no MICROSOFT_APP_ID): for local testing only")
    return CloudAdapter(_RefusingAuthentication(settings))
