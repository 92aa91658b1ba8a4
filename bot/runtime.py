"""Putting settings, playbook, database and clock together; what a running server holds;
which channels `serve` turns on, and why, decided from the environment without loading any
channel's SDK."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec, TypeVar

from bot.config import Contact, Settings
from handlers.clock import Clock, SystemClock
from handlers.pager import Notifier, Pager
from handlers.services import Services
from playbooks.model import load_playbook
from storage.writer import Store

P = ParamSpec("P")
T = TypeVar("T")


def build_services(
    settings: Settings,
    db_path: Path,
    *,
    clock: Clock | None = None,
    page_channels: frozenset[str] = frozenset({"console"}),
) -> Services:
    """Load the playbook and open the store; raises FileProblems or StorageUnavailable."""
    playbook = load_playbook(list(settings.playbooks))
    store = Store(db_path)
    store.start()
    return Services(
        settings=settings,
        playbook=playbook,
        store=store,
        clock=clock or SystemClock(),
        page_channels=page_channels,
    )


class Work:
    """Listener calls in hand: shutdown lets them finish before the store closes, and a
    test can wait until the deliveries it sent have all been handled."""

    def __init__(self) -> None:
        self.active = 0
        self.finished = 0
        self._changed = asyncio.Condition()

    def tracked(self, listener: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(listener)
        async def run(*args: P.args, **kwargs: P.kwargs) -> T:
            self.active += 1
            try:
                return await listener(*args, **kwargs)
            finally:
                self.active -= 1
                self.finished += 1
                async with self._changed:
                    self._changed.notify_all()

        return run

    async def wait_for(self, predicate: Callable[[Work], bool], timeout: float) -> bool:
        """Wait until `predicate(self)` holds; False if it did not within `timeout`."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: predicate(self)), timeout)
            except TimeoutError:
                return False
        return True


class StartupError(Exception):
    """Configuration that makes serving impossible, explained for IT."""


# -- which channels are on, and why ------------------------------------------------------------

SLACK_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL")
TEAMS_VARIABLES = (
    "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD",
    "MICROSOFT_APP_TENANT_ID",
    "MICROSOFT_APP_TYPE",
)
LABELS = {
    "slack": "Slack",
    "teams": "Teams",
    "email": "Email fallback",
    "webhook": "Webhook fallback",
}
ADDRESS_KEYS = {"slack": "slack_id", "teams": "teams_id", "email": "email"}
_SLACK_WHERE = {
    "SLACK_BOT_TOKEN": "copy the Bot User OAuth Token (it starts with xoxb-) from your Slack "
    "app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "copy the Signing Secret from your Slack app's Basic Information "
    "page (App Credentials), or run with --socket-mode",
    "SLACK_APP_TOKEN": "create an app-level token with the connections:write scope on your Slack "
    "app's Basic Information page; it starts with xapp-",
}


@dataclass(frozen=True)
class ChannelState:
    """One channel as `serve` reports it at start: on or off, and why, in plain words."""

    name: str  # slack, teams, email or webhook
    on: bool
    why: str
    how: str = ""  # how it runs when that matters: Socket Mode, the local emulator only

    @property
    def line(self) -> str:
        how = f", {self.how}" if self.how else ""
        return f"{LABELS[self.name]}: {'on' if self.on else 'off'}{how} ({self.why})"


def _given(env: Mapping[str, str], name: str) -> bool:
    return bool((env.get(name) or "").strip())


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _or(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _is(names: list[str]) -> str:
    return "is" if len(names) == 1 else "are"


def slack_state(
    env: Mapping[str, str], *, socket_mode: bool, asked: bool | None = None
) -> ChannelState:
    """Slack is on when any of its variables is set (or --socket-mode asks for it), and then
    all it needs must be set. `asked` True or False overrides the environment (tests)."""
    if asked is False:
        return ChannelState("slack", False, "not asked for")
    if asked is None and not socket_mode and not any(_given(env, n) for n in SLACK_VARIABLES):
        return ChannelState("slack", False, "SLACK_BOT_TOKEN is not set")
    require_slack_variables(env, socket_mode=socket_mode)
    if socket_mode:
        why = "SLACK_BOT_TOKEN and SLACK_APP_TOKEN are set, --socket-mode"
        return ChannelState("slack", True, why, "Socket Mode")
    return ChannelState("slack", True, "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set")


def require_slack_variables(env: Mapping[str, str], *, socket_mode: bool) -> None:
    """Raise StartupError naming every Slack variable still missing and where to find it."""
    if _given(env, "SLACK_APP_TOKEN") and not socket_mode:
        # A half-chosen mode would otherwise serve HTTP while IT waits for Socket Mode.
        raise StartupError(
            "SLACK_APP_TOKEN is set, but serve was started without --socket-mode. Add "
            "--socket-mode to connect to Slack without a public URL, or unset SLACK_APP_TOKEN "
            "to take Slack's requests at POST /slack/events."
        )
    needed = ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN" if socket_mode else "SLACK_SIGNING_SECRET"]
    missing = [n for n in needed if not _given(env, n)]
    if not missing:
        return
    given = [n for n in SLACK_VARIABLES if _given(env, n)]
    if given:
        first = f"Slack is only partly set up: {_and(given)} {_is(given)} set, but "
    elif socket_mode:
        first = "--socket-mode asks for Slack, but "
    else:
        first = ""
    fixes = " ".join(f"{name}: {_SLACK_WHERE[name]}." for name in missing)
    without = f" Or unset {_and(given)} to run without Slack." if given else ""
    raise StartupError(f"{first}{_and(missing)} {_is(missing)} not set. {fixes}{without}")


def teams_state(env: Mapping[str, str], *, asked: bool | None = None) -> ChannelState:
    """Teams is on when a MICROSOFT_APP_* variable is set, or when asked for (the local Bot
    Framework Emulator, unauthenticated, when MICROSOFT_APP_ID is not set). Whether the
    variables fit together is checked by bot.teams.auth, loaded only when Teams is on."""
    if asked is False:
        return ChannelState("teams", False, "not asked for")
    if asked is None and not any(_given(env, n) for n in TEAMS_VARIABLES):
        return ChannelState("teams", False, "MICROSOFT_APP_ID is not set")
    if _given(env, "MICROSOFT_APP_ID"):
        return ChannelState("teams", True, "MICROSOFT_APP_ID is set")
    return ChannelState(
        "teams", True, "MICROSOFT_APP_ID is not set", "local Bot Framework Emulator only"
    )


def fallback_states(settings: Settings) -> list[ChannelState]:
    return [
        ChannelState(name, True, f"the config has {article} {name} section")
        if configured
        else ChannelState(name, False, f"the config has no {name} section")
        for name, article, configured in (
            ("email", "an", settings.email),
            ("webhook", "a", settings.webhook),
        )
    ]


def who(settings: Settings, person: Contact, *, name: bool) -> str:
    """Someone as messages to IT point at them: their place in the config (officers[0] or
    counsel), then their name, or for log lines (which never hold names) their role."""
    place = next(
        (f"officers[{i}]" for i, o in enumerate(settings.officers) if o is person), "counsel"
    )
    if name:
        return f"{place} {person.name}"
    return f"{place} ({person.role})" if person.role else place


def cannot_page(
    settings: Settings, person: Contact, states: list[ChannelState], *, name: bool = True
) -> str:
    """Why nobody can page `person` on the channels that are on, and what would fix it."""
    named: list[str] = [*person.chat_channels, *(["email"] if person.email else [])]
    if person.page_via:
        named = list(person.page_via)
    off = [s for s in states if s.name in named and not s.on]
    reasons = " and ".join(f"{LABELS[s.name]} is off ({s.why})" for s in off)
    fixes = [("turn it on" if len(off) == 1 else "turn one of them on")] if off else []
    for state in states:
        key = ADDRESS_KEYS.get(state.name)
        if state.on and key and not person.address_on(state.name):
            fixes.append(f"give them a {key} ({LABELS[state.name]} is on)")
    if person.page_via:
        fixes.append("change their page_via")
    fix = f": {_or(fixes)}" if fixes else ""
    return f"{who(settings, person, name=name)} cannot be paged: {reasons}{fix}."


@dataclass
class Runtime:
    """What the running server holds: handlers' services, the pager and its notifiers."""

    services: Services
    env: Mapping[str, str]
    notifiers: dict[str, Notifier] = field(default_factory=dict)
    pager: Pager | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task] = field(default_factory=list)
    pager_idle: float = 30.0  # the longest the pager sleeps when nothing is due sooner
    work: Work = field(default_factory=Work)

    def wake_pager(self) -> None:
        if self.pager is not None:
            self.pager.wake()
