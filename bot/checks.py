"""Everything `patronguard check` looks at, gathered so all problems show at once."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from sqlite_utils import Database

from bot.config import Settings, database_path, load_settings
from playbooks.model import load_playbook
from playbooks.yamlfile import FileProblems
from storage import conversations

SECRET_SHAPES = {
    "SLACK_BOT_TOKEN": (r"xoxb-[A-Za-z0-9-]+", "a bot token starts with xoxb-"),
    "SLACK_APP_TOKEN": (r"xapp-[A-Za-z0-9-]+", "an app-level token starts with xapp-"),
    "SLACK_SIGNING_SECRET": (r"[0-9a-f]{32}", "the signing secret is 32 hex characters"),
}


def check_problems(path: Path, env: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Return (errors, warnings) as lines that say where and how to fix."""
    errors: list[str] = []
    warnings: list[str] = []
    try:
        settings = load_settings(path)
    except FileProblems as exc:
        return [str(p) for p in exc.problems], warnings
    try:
        load_playbook(list(settings.playbooks))
    except FileProblems as exc:
        errors.extend(str(p) for p in exc.problems)
    warnings.extend(_reachability(settings))
    if settings.state_law.is_empty:
        warnings.append(
            "state_law is empty: ask your counsel to write your state's rules on library "
            "records into it (see the commented example `patronguard init` writes); until "
            "then officers are told to ask counsel before releasing anything"
        )
    warnings.extend(_teams_unreachable(settings, env))
    errors.extend(_secret_shapes(env))
    errors.extend(_fallback_secrets(settings, env))
    return errors, warnings


def _fallback_secrets(settings: Settings, env: Mapping[str, str]) -> list[str]:
    """The same test serve makes at start-up, so a unit's pre-start check catches it."""
    from bot.notifiers import FallbackNotConfigured, fallback_notifiers

    try:
        fallback_notifiers(settings, env)
    except FallbackNotConfigured as exc:
        return [str(exc)]
    return []


def _reachability(settings: Settings) -> list[str]:
    found = []
    for index, officer in enumerate(settings.officers):
        where = f"officers[{index}] ({officer.name})"
        if not officer.chat_channels and not officer.email:
            found.append(f"{where} has no slack_id, teams_id or email: they can only be phoned")
        if not officer.phone:
            found.append(f"{where} has no phone: staff cannot phone them if pages go unanswered")
    return found


def _teams_unreachable(settings: Settings, env: Mapping[str, str]) -> list[str]:
    """People with a teams_id whom the bot cannot message first: it has no conversation yet."""
    people = [(f"officers[{i}] ({o.name})", o) for i, o in enumerate(settings.officers)]
    if settings.counsel:
        people.append((f"counsel ({settings.counsel.name})", settings.counsel))
    people = [(where, p) for where, p in people if p.teams_id]
    if not people:
        return []
    reached = _teams_conversations(database_path(settings, env.get("PATRONGUARD_DB")))
    if reached is None:
        return []
    return [
        f"{where} has a teams_id but PatronGuard cannot page them in Teams yet: "
        "ask them to open PatronGuard in Teams once"
        for where, person in people
        if person.teams_id not in reached
    ]


def _teams_conversations(db_path: Path) -> set[str] | None:
    """Teams user ids with a stored conversation, read without writing; None if unknown."""
    if not db_path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return conversations.users_with_reference(Database(conn))
        finally:
            conn.close()
    except sqlite3.Error:  # locked, unreadable or not a database: say nothing rather than guess
        return None


def _secret_shapes(env: Mapping[str, str]) -> list[str]:
    found = []
    for name, (pattern, hint) in SECRET_SHAPES.items():
        value = env.get(name)
        if value and not re.fullmatch(pattern, value.strip()):
            found.append(f"environment variable {name} looks wrong: {hint}")
    return found
