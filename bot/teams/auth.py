"""Bot Framework authentication for Teams, from the MICROSOFT_APP_* environment variables.

`auth_settings` reads and checks the variables (raising StartupError naming the one to fix);
`build_adapter` makes botbuilder's CloudAdapter from them. MICROSOFT_APP_TYPE defaults to
SingleTenant: Azure creates no new multi-tenant bots after 31 July 2025, so MultiTenant is
only for registrations made before. With no MICROSOFT_APP_ID (Teams asked for with
`serve --teams-emulator`) the bot accepts unauthenticated requests, as the Bot Framework
Emulator expects: local testing only.
With one, a request is accepted only with a valid token, and only for the serviceUrl that
token names. Microsoft's signing keys are fetched off the event loop (see SigningKeys).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, JwtTokenExtractor
from botframework.connector.auth.jwt_token_extractor import _OpenIdMetadata

from bot.runtime import StartupError

log = logging.getLogger("patronguard.teams")

MULTI_TENANT = "MultiTenant"
SINGLE_TENANT = "SingleTenant"
MANAGED_IDENTITY = "UserAssignedMSI"
APP_TYPES = (SINGLE_TENANT, MANAGED_IDENTITY, MULTI_TENANT)
DEFAULT_APP_TYPE = SINGLE_TENANT  # what Azure creates for a new bot registration today

SERVICE_URL_CLAIM = "serviceurl"  # where a Bot Framework channel token lets the bot answer
KEY_FETCH_TIMEOUT = 5.0  # seconds for the OpenID metadata and the key set together
KEY_FETCH_RETRY_AFTER = 30.0  # seconds a failed fetch is remembered; no request refetches sooner
KEY_FETCH_MAX_BYTES = 1024 * 1024  # Microsoft's documents are a few kilobytes

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_TENANT_DOMAIN = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


@dataclass(frozen=True)
class AuthSettings:
    """The attributes botbuilder's configuration classes read, by their expected names."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TENANTID: str = ""
    APP_TYPE: str = MULTI_TENANT  # with no APP_ID, botbuilder's authentication-off path needs it

    @property
    def enabled(self) -> bool:
        return bool(self.APP_ID)

    @property
    def why(self) -> str:
        """Why Teams runs as it does, for the line `serve` prints at start."""
        if not self.enabled:
            return "MICROSOFT_APP_ID is not set"
        return f"MICROSOFT_APP_ID is set; app type {self.APP_TYPE}"


def auth_settings(env: Mapping[str, str]) -> AuthSettings:
    """Read the MICROSOFT_APP_* variables; refuse combinations that cannot work."""
    app_id = env.get("MICROSOFT_APP_ID", "").strip()
    password = env.get("MICROSOFT_APP_PASSWORD", "").strip()
    tenant = env.get("MICROSOFT_APP_TENANT_ID", "").strip()
    raw_type = env.get("MICROSOFT_APP_TYPE", "").strip()
    app_type = _app_type(raw_type)
    if not app_id:
        for name, value in (
            ("MICROSOFT_APP_PASSWORD", password),
            ("MICROSOFT_APP_TENANT_ID", tenant),
            ("MICROSOFT_APP_TYPE", raw_type),
        ):
            if value:
                # Refusing beats silently running with authentication off.
                raise StartupError(
                    f"{name} is set but MICROSOFT_APP_ID is not: set MICROSOFT_APP_ID to the "
                    "bot's Microsoft App ID (the Azure Bot's Configuration page), or unset "
                    f"{name} to run without Teams"
                )
        return AuthSettings()
    if not _GUID.fullmatch(app_id):
        raise StartupError(
            "MICROSOFT_APP_ID is not a GUID: copy the bot's Microsoft App ID from Azure, "
            "it looks like 6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
        )
    _check_combination(app_type, password, tenant, type_given=bool(raw_type))
    return AuthSettings(app_id, password, tenant, app_type)


def _app_type(raw: str) -> str:
    if not raw:
        return DEFAULT_APP_TYPE
    for known in APP_TYPES:
        if raw.lower() == known.lower():
            return known
    raise StartupError(f"MICROSOFT_APP_TYPE must be one of {', '.join(APP_TYPES)}, not {raw!r}")


def _check_combination(app_type: str, password: str, tenant: str, *, type_given: bool) -> None:
    if app_type in (SINGLE_TENANT, MANAGED_IDENTITY):
        if not tenant:
            raise StartupError(_needs_tenant(app_type, type_given))
        if not (_GUID.fullmatch(tenant) or _TENANT_DOMAIN.fullmatch(tenant)):
            raise StartupError(
                "MICROSOFT_APP_TENANT_ID must be a tenant id (a GUID) or its domain name"
            )
    elif tenant:
        raise StartupError(
            "MICROSOFT_APP_TENANT_ID is set but MICROSOFT_APP_TYPE is MultiTenant, which ignores "
            "it: unset MICROSOFT_APP_TYPE (SingleTenant is the default), or unset "
            "MICROSOFT_APP_TENANT_ID"
        )
    if app_type == MANAGED_IDENTITY and password:
        raise StartupError(
            "MICROSOFT_APP_PASSWORD must be empty with MICROSOFT_APP_TYPE=UserAssignedMSI: "
            "a managed identity has no password"
        )
    if app_type != MANAGED_IDENTITY and not password:
        raise StartupError(
            f"MICROSOFT_APP_TYPE={app_type} needs MICROSOFT_APP_PASSWORD: a client secret of "
            "the bot's app registration (Certificates & secrets in Microsoft Entra)"
        )


def _needs_tenant(app_type: str, type_given: bool) -> str:
    if type_given:
        return (
            f"MICROSOFT_APP_TYPE={app_type} needs MICROSOFT_APP_TENANT_ID: your Microsoft "
            "Entra tenant id (Microsoft Entra admin center → Overview → Tenant ID)"
        )
    # Deployments set up for the old default (MultiTenant) land here first: say both fixes.
    return (
        "MICROSOFT_APP_ID is set but MICROSOFT_APP_TENANT_ID is not. Azure creates new bots "
        "as SingleTenant, the default here, which needs your Microsoft Entra tenant id: set "
        "MICROSOFT_APP_TENANT_ID (Microsoft Entra admin center → Overview → Tenant ID). For "
        "a multi-tenant bot registered before August 2025, set MICROSOFT_APP_TYPE=MultiTenant "
        "instead."
    )


class _RefusingAuthentication(ConfigurationBotFrameworkAuthentication):
    """Any failure to authenticate an inbound request is a refusal (401), never a 500; and an
    authenticated request is refused unless its token names the serviceUrl it carries."""

    def __init__(self, settings: AuthSettings) -> None:
        super().__init__(settings)
        self._enabled = settings.enabled

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        try:
            result = await super().authenticate_request(activity, auth_header)
        except PermissionError:
            raise
        except Exception as exc:  # a malformed token raises jwt errors, not PermissionError
            log.warning("refused a Teams request: %s", type(exc).__name__)
            raise PermissionError("the request's token could not be validated") from None
        if self._enabled and not _service_url_allowed(result, activity):
            log.warning("refused a Teams request: its serviceUrl is not the one its token names")
            raise PermissionError("the serviceUrl is not the one the token names")
        return result


def _service_url_allowed(result: AuthenticateRequestResult, activity: Activity) -> bool:
    """botbuilder compares the serviceurl claim with the activity only for channel tokens that
    it is given a serviceUrl with; Emulator-issued tokens carry no such claim and pass
    unchecked. The bot calls and stores that URL, so the token must name it, always."""
    claims = result.claims_identity.claims if result.claims_identity else {}
    allowed = claims.get(SERVICE_URL_CLAIM)
    return isinstance(allowed, str) and bool(allowed) and allowed == activity.service_url


def build_adapter(settings: AuthSettings) -> CloudAdapter:
    """botbuilder's CloudAdapter, authenticating requests when an app id is configured."""
    if not settings.enabled:
        log.warning("Teams authentication is off (no MICROSOFT_APP_ID): for local testing only")
    SigningKeys.install()
    return CloudAdapter(_RefusingAuthentication(settings))


class SigningKeys(_OpenIdMetadata):
    """botbuilder's cache of Microsoft's token-signing keys for one OpenID metadata URL, with
    the fetch made fit for a server.

    botframework-connector's `_OpenIdMetadata._refresh` fetches the metadata and the key set
    with `requests.get`, blocking, with no timeout, inside the event loop; and after a failed
    fetch it fetches again for the next request. So one forged token (any unsigned JWT naming
    a Bot Framework issuer) could freeze the whole server, and a stream of them could keep it
    fetching. Here the fetch runs on aiohttp under KEY_FETCH_TIMEOUT, concurrent requests share
    one fetch, and a failure is remembered for KEY_FETCH_RETRY_AFTER, during which tokens are
    refused at once. Only `_refresh` changes: botbuilder still decides when to refresh (daily)
    and how keys are matched and tokens checked.

    `JwtTokenExtractor.get_open_id_metadata` looks in `JwtTokenExtractor.metadataCache` before
    it makes an `_OpenIdMetadata`; `install` puts a cache there that answers every URL with one
    of these, for channel, Emulator and government tokens alike.
    """

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._fetching: asyncio.Task[None] | None = None
        self._failed_at: float | None = None

    @classmethod
    def install(cls) -> None:
        if not isinstance(JwtTokenExtractor.metadataCache, _SigningKeysCache):
            JwtTokenExtractor.metadataCache = _SigningKeysCache()

    async def _refresh(self) -> None:
        failed_at = self._failed_at
        if failed_at is not None and time.monotonic() - failed_at < KEY_FETCH_RETRY_AFTER:
            raise KeysUnavailable("Microsoft's signing keys could not be fetched just now")
        task = self._fetching
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            task = self._fetching = asyncio.get_running_loop().create_task(self._fetch())
            task.add_done_callback(_retrieve)
        # Shielded: a client that gives up does not cancel the fetch the others wait for.
        await asyncio.shield(task)

    async def _fetch(self) -> None:
        try:
            async with (
                asyncio.timeout(KEY_FETCH_TIMEOUT),
                # trust_env: an outbound proxy in HTTPS_PROXY is used, as requests used it
                aiohttp.ClientSession(trust_env=True) as session,
            ):
                metadata = await _get_json(session, self.url)
                keys = await _get_json(session, _string(metadata, "jwks_uri"))
            found = keys.get("keys") if isinstance(keys, dict) else None
            if not isinstance(found, list) or not all(isinstance(k, dict) for k in found):
                raise KeysUnavailable("the key set has no list of keys")
        except Exception as exc:
            self._failed_at = time.monotonic()
            log.warning(
                "Teams: could not fetch Microsoft's signing keys (%s); Teams requests are "
                "refused for %.0f s, then it is tried again",
                type(exc).__name__,
                KEY_FETCH_RETRY_AFTER,
            )
            raise KeysUnavailable("Microsoft's signing keys could not be fetched") from None
        self.keys = found
        self.last_updated = datetime.now()  # botbuilder compares it with naive local time
        self._failed_at = None


class KeysUnavailable(Exception):
    """Microsoft's signing keys could not be had: the request is refused (401)."""


class _SigningKeysCache(dict[str, SigningKeys]):
    """`JwtTokenExtractor.metadataCache`, making a SigningKeys for any URL it is asked for."""

    def get(self, url: str, default: Any = None) -> SigningKeys:
        keys = super().get(url)
        if keys is None:
            keys = self[url] = SigningKeys(url)
        return keys


async def _get_json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        response.raise_for_status()
        body = await response.content.read(KEY_FETCH_MAX_BYTES + 1)
    if len(body) > KEY_FETCH_MAX_BYTES:
        raise KeysUnavailable("the document is too large")
    return json.loads(body)


def _string(document: Any, key: str) -> str:
    value = document.get(key) if isinstance(document, dict) else None
    if not isinstance(value, str) or not value:
        raise KeysUnavailable(f"the metadata has no {key}")
    return value


def _retrieve(task: asyncio.Task[None]) -> None:
    # Every waiter sees the failure; this keeps asyncio from also reporting it as unretrieved.
    if not task.cancelled():
        task.exception()
