"""Reading patronguard.yaml (validated by the models in handlers/settings.py) and paths."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from handlers.settings import (  # noqa: F401  (re-exported: the config's models)
    CHAT_CHANNELS,
    Contact,
    Duration,
    EmailSettings,
    Escalation,
    Library,
    Retention,
    RetentionReview,
    Settings,
    SlackOptions,
    StateLaw,
    TeamsOptions,
    WebhookSettings,
    format_duration,
    parse_duration,
)
from playbooks.yamlfile import FileProblems, Problem, load_yaml, problems_from_validation

STARTER_CONFIG = Path(__file__).with_name("starter.yaml")
DEFAULT_DB = Path("patronguard.db")


def config_path(explicit: str | os.PathLike | None) -> Path | None:
    raw = explicit or os.environ.get("PATRONGUARD_CONFIG")
    return Path(raw) if raw else None


def load_settings(path: Path) -> Settings:
    """Load and validate a config file; raise FileProblems listing every mistake at once."""
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise FileProblems([Problem(str(path), "", 1, "the file must be a mapping of keys")])
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise FileProblems(problems_from_validation(str(path), exc, lines)) from None
    base = path.resolve().parent
    resolved = [p if p.is_absolute() else base / p for p in settings.playbooks]
    db = settings.database
    if db is not None and not db.is_absolute():
        db = base / db
    review = settings.retention_review
    if review.checklist is not None and not review.checklist.is_absolute():
        review = review.model_copy(update={"checklist": base / review.checklist})
    return settings.model_copy(
        update={"playbooks": resolved, "database": db, "retention_review": review}
    )


def load_default_settings() -> Settings:
    """The embedded sample library the demo runs on."""
    return load_settings(STARTER_CONFIG)


def database_path(settings: Settings, explicit: str | os.PathLike | None = None) -> Path:
    raw = explicit or os.environ.get("PATRONGUARD_DB")
    if raw:
        return Path(raw)
    return settings.database or DEFAULT_DB
