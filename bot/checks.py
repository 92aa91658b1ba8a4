"""Everything `patronguard check` looks at, gathered so all problems show at once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.config import Contact, Settings, database_path, load_settings
from bot.playbook_checks import playbook_problems, review_problems
from playbooks.yamlfile import FileProblems, Problem, load_yaml, suggest_keys
from storage import conversations
from storage.db import StorageUnavailable, read_only

SECRET_SHAPES = {
    "SLACK_BOT_TOKEN": (r"xoxb-[A-Za-z0-9-]+", "a bot token starts with xoxb-"),
    "SLACK_APP_TOKEN": (r"xapp-[A-Za-z0-9-]+", "an app-level token starts with xapp-"),
    "SLACK_SIGNING_SECRET": (r"[0-9a-f]{32}", "the signing secret is 32 hex characters"),
}
PAGED_BY = ("slack_id", "teams_id", "email")


def check_problems(path: Path, env: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Return (errors, warnings) as lines that say where and how to fix."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    try:
        data, lines = load_yaml(path)
    except FileProblems as exc:
        return [config_file_problem(path, p) for p in exc.problems], []
    if not isinstance(data, dict):
        return [str(Problem(str(path), "", 1, _not_a_mapping(path)))], []
    settings: Settings | None = None
    try:
        settings = load_settings(path)
    except FileProblems as exc:
        errors.extend(suggest_keys(exc.problems, Settings))
    unreachable, hard_to_reach = _reachability(str(path), data, lines)
    errors.extend(unreachable)
    warnings.extend(hard_to_reach)
    # Playbooks are checked even when the config has mistakes, so one run shows them all.
    base = path.resolve().parent
    errors.extend(playbook_problems(_listed_files(data.get("playbooks"), base)))
    review = data.get("retention_review")
    if isinstance(review, dict) and isinstance(review.get("checklist"), str):
        errors.extend(review_problems(_listed_files([review["checklist"]], base)[0]))
    more_errors: list[str] = _secret_shapes(env)
    more_warnings: list[str] = []
    if settings is not None:
        more_warnings.extend(_teams_unreachable(settings, env, str(path), lines))
        more_errors.extend(_fallback_secrets(settings, env))
        if settings.state_law.is_empty:
            more_warnings.append(
                f"{path}: state_law is empty: ask your counsel to write your state's rules on "
                "library records into it (see the commented example `patronguard init` "
                "writes); until then officers are told to ask counsel before releasing anything"
            )
    return (
        [str(p) for p in _reading_order(errors)] + more_errors,
        [str(p) for p in _reading_order(warnings)] + more_warnings,
    )


def _reading_order(problems: list[Problem]) -> list[Problem]:
    """File by file (the config first), top to bottom, so they can be fixed in one pass."""
    rank: dict[str, int] = {}
    for problem in problems:
        rank.setdefault(problem.file, len(rank))
    return sorted(problems, key=lambda p: (rank[p.file], p.line or 0))


def config_file_problem(path: Path, problem: Problem) -> str:
    """A problem with the config file itself, with what to do about it."""
    if problem.message == "file not found":
        return (
            f"{path}: no config file here; write one with `patronguard init {path}`, "
            "or give its path with --config"
        )
    if problem.message == "the file must be a mapping of keys" and not problem.path:
        return str(Problem(problem.file, "", problem.line, _not_a_mapping(path)))
    return str(problem)


def _not_a_mapping(path: Path) -> str:
    try:
        empty = not path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        empty = False
    if empty:
        return f"the file is empty; write a starter with `patronguard init --force {path}`"
    return "the file must be a mapping of keys, like the one `patronguard init` writes"


def _listed_files(raw: Any, base: Path) -> list[Path]:
    """The playbook files the config lists, even when the rest of the config is wrong."""
    if not isinstance(raw, list):
        return []
    paths = [Path(item) for item in raw if isinstance(item, str) and item]
    return [p if p.is_absolute() else base / p for p in paths]


def _fallback_secrets(settings: Settings, env: Mapping[str, str]) -> list[str]:
    """The same test serve makes at start-up, so a unit's pre-start check catches it."""
    from bot.notifiers import FallbackNotConfigured, fallback_notifiers

    try:
        fallback_notifiers(settings, env)
    except FallbackNotConfigured as exc:
        return [str(exc)]
    return []


Person = tuple[tuple[str | int, ...], str, dict]  # key path, path as shown, the raw entry


def _people(data: dict) -> list[Person]:
    """(key path, shown path, entry) for each officer and counsel, read from the raw file."""
    officers = data.get("officers")
    people: list[Person] = [
        (("officers", i), f"officers[{i}]", o)
        for i, o in enumerate(officers if isinstance(officers, list) else [])
        if isinstance(o, dict)
    ]
    if isinstance(data.get("counsel"), dict):
        people.append((("counsel",), "counsel", data["counsel"]))
    return people


def _reachability(
    file: str, data: dict, lines: dict[tuple, int]
) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings): one message per person, the one that matters most."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for loc, where, person in _people(data):
        name = str(person.get("name") or "this person")
        paged = any(person.get(key) for key in PAGED_BY)
        line = lines.get(loc)
        if not paged and not person.get("phone"):
            errors.append(
                Problem(
                    file,
                    where,
                    line,
                    f"nobody can reach {name}: add a slack_id, teams_id or email so "
                    "PatronGuard can page them, and a phone so staff can call them",
                )
            )
        elif not paged:
            warnings.append(
                Problem(
                    file,
                    where,
                    line,
                    f"{name} can only be phoned: PatronGuard cannot page them; "
                    "add a slack_id, teams_id or email",
                )
            )
        elif not person.get("phone"):
            warnings.append(
                Problem(
                    file,
                    where,
                    line,
                    f"{name} has no phone: when nobody acknowledges, staff are told whom to "
                    "phone, and they will not be on that list; add a phone",
                )
            )
    return errors, warnings


def _teams_unreachable(
    settings: Settings, env: Mapping[str, str], file: str, lines: dict[tuple, int]
) -> list[str]:
    """People with a teams_id whom the bot cannot message first: it has no conversation yet."""
    people: list[tuple[tuple[str | int, ...], str, Contact]] = [
        (("officers", i), f"officers[{i}]", o) for i, o in enumerate(settings.officers)
    ]
    if settings.counsel:
        people.append((("counsel",), "counsel", settings.counsel))
    people = [(loc, where, p) for loc, where, p in people if p.teams_id]
    if not people:
        return []
    reached = _teams_conversations(database_path(settings, env.get("PATRONGUARD_DB")))
    if reached is None:
        return []
    return [
        str(
            Problem(
                file,
                where,
                lines.get(loc),
                f"{person.name} has a teams_id but PatronGuard cannot page them in Teams yet: "
                "ask them to open PatronGuard in Teams once",
            )
        )
        for loc, where, person in people
        if person.teams_id not in reached
    ]


def _teams_conversations(db_path: Path) -> set[str] | None:
    """Teams user ids with a stored conversation, read without writing; None if unknown."""
    if not db_path.is_file():
        return None
    try:
        with read_only(db_path) as db:
            return conversations.users_with_reference(db)
    except StorageUnavailable:  # locked, unreadable or not a database: say nothing, not guess
        return None


def _secret_shapes(env: Mapping[str, str]) -> list[str]:
    found = []
    for name, (pattern, hint) in SECRET_SHAPES.items():
        value = env.get(name)
        if value and not re.fullmatch(pattern, value.strip()):
            found.append(f"environment variable {name} looks wrong: {hint}")
    return found
