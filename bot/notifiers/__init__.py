"""Fallback notifiers (email, webhook): used when chat has not reached an officer in time."""

from __future__ import annotations

from collections.abc import Mapping

from bot.config import Settings
from handlers.pager import Notifier

SMTP_PASSWORD_VAR = "PATRONGUARD_SMTP_PASSWORD"
WEBHOOK_SECRET_VAR = "PATRONGUARD_WEBHOOK_SECRET"


class FallbackNotConfigured(ValueError):
    """A fallback channel is configured but its secret is missing; says which variable."""


def fallback_notifiers(settings: Settings, env: Mapping[str, str]) -> dict[str, Notifier]:
    """The email and webhook notifiers the config asks for, with secrets from `env`."""
    from bot.notifiers.email import EmailNotifier
    from bot.notifiers.webhook import WebhookNotifier

    found: dict[str, Notifier] = {}
    if settings.email is not None:
        password = env.get(SMTP_PASSWORD_VAR) or None
        if settings.email.username and not password:
            raise FallbackNotConfigured(
                f"email.username is set but {SMTP_PASSWORD_VAR} is not; set it in the "
                "environment (never in the config file), or remove email.username"
            )
        found["email"] = EmailNotifier(settings.email, password=password)
    if settings.webhook is not None:
        secret = env.get(WEBHOOK_SECRET_VAR, "")
        if len(secret) < 16:
            raise FallbackNotConfigured(
                f"webhook is configured but {WEBHOOK_SECRET_VAR} is missing or shorter than "
                "16 characters; set a long random value, e.g. from `openssl rand -hex 32`"
            )
        found["webhook"] = WebhookNotifier(settings, secret=secret)
    return found
