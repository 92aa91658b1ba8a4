"""Everything `patronguard check` looks at, gathered so all problems show at once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from bot.config import Settings, load_settings
from playbooks.model import load_playbook
from playbooks.yamlfile import FileProblems

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
    errors.extend(_secret_shapes(env))
    return errors, warnings


def _reachability(settings: Settings) -> list[str]:
    found = []
    for index, officer in enumerate(settings.officers):
        where = f"officers[{index}] ({officer.name})"
        if not officer.chat_channels and not officer.email:
            found.append(f"{where} has no slack_id, teams_id or email: they can only be phoned")
        if not officer.phone:
            found.append(f"{where} has no phone: staff cannot phone them if pages go unanswered")
    return found


def _secret_shapes(env: Mapping[str, str]) -> list[str]:
    found = []
    for name, (pattern, hint) in SECRET_SHAPES.items():
        value = env.get(name)
        if value and not re.fullmatch(pattern, value.strip()):
            found.append(f"environment variable {name} looks wrong: {hint}")
    return found
