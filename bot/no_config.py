"""Settings for `report` and `purge` when they are given a database and no config file."""

from __future__ import annotations

from bot.config import Contact, Library, Settings, format_duration

NEUTRAL_LIBRARY = "This library"


def settings_without_config() -> Settings:
    """The built-in playbook's labels, dates in UTC, the default retention."""
    # Settings needs one officer; these commands page nobody, so a placeholder is enough.
    return Settings(
        library=Library(name=NEUTRAL_LIBRARY, timezone="UTC"),
        officers=[Contact(name="Officer")],
    )


def report_note() -> str:
    return (
        "No config file: labels come from the built-in playbook and dates are in UTC; "
        "give --config to use your library's."
    )


def purge_note(settings: Settings) -> str:
    kept = settings.retention
    return (
        "No config file: using the default retention (closed cases "
        f"{format_duration(kept.cases)}, drills {format_duration(kept.drills)}, demand log "
        f"{format_duration(kept.demands)}); give --config to use your library's."
    )
