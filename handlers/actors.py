"""Who is acting, and what they may do: decided here, never in channel code."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Contact, Settings

STAFF = "staff"
OFFICER = "officer"
COUNSEL = "counsel"


@dataclass(frozen=True)
class Actor:
    """A person as a channel identifies them: `channel` is slack, teams or console."""

    channel: str
    user_id: str

    @property
    def ref(self) -> str:
        """How the actor is written in case history: a chat id, never a name typed in."""
        return f"{self.channel}:{self.user_id}"


def _matches(contact: Contact, actor: Actor) -> bool:
    if actor.channel == "slack":
        return contact.slack_id == actor.user_id
    if actor.channel == "teams":
        return contact.teams_id == actor.user_id
    if actor.channel == "console":
        return contact.key == actor.user_id
    return False


def officer_for(settings: Settings, actor: Actor) -> Contact | None:
    return next((o for o in settings.officers if _matches(o, actor)), None)


def role_of(settings: Settings, actor: Actor) -> str:
    if officer_for(settings, actor):
        return OFFICER
    if settings.counsel and _matches(settings.counsel, actor):
        return COUNSEL
    return STAFF


def is_privileged(role: str) -> bool:
    """Officers and counsel see restricted cases and act on officer steps."""
    return role in (OFFICER, COUNSEL)


def person_for_ref(settings: Settings, actor_ref: str | None) -> Contact | None:
    """The configured officer or counsel an actor ref belongs to, if any."""
    if not actor_ref or ":" not in actor_ref:
        return None
    channel, user_id = actor_ref.split(":", 1)
    if channel == "officer":  # acknowledged on that officer's behalf
        return settings.officer(user_id)
    actor = Actor(channel, user_id)
    person = officer_for(settings, actor)
    if person is None and settings.counsel and _matches(settings.counsel, actor):
        person = settings.counsel
    return person


def display_name(settings: Settings, actor_ref: str | None) -> str:
    """A configured person's name for an actor ref, else a neutral word (never an id)."""
    if not actor_ref or ":" not in actor_ref:
        return "someone"
    person = person_for_ref(settings, actor_ref)
    return person.name if person else "staff member"
