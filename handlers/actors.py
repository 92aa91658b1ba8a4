"""Who is acting, and what they may do: decided here, never in channel code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from handlers.settings import Contact, Settings

ACTOR_ID_MAX = 200


class Role(StrEnum):
    STAFF = "staff"
    OFFICER = "officer"
    COUNSEL = "counsel"


STAFF, OFFICER, COUNSEL = Role.STAFF, Role.OFFICER, Role.COUNSEL


class NotAnActor(ValueError):
    """A payload named nobody usable (a missing, empty or non-text id): refuse the request."""


@dataclass(frozen=True)
class Actor:
    """A person as a channel identifies them: `channel` is slack, teams or console.

    Construction refuses an id that is not a non-empty string, so a forged payload with a
    null, empty, numeric or list id can never be mistaken for anyone.
    """

    channel: str
    user_id: str

    def __post_init__(self) -> None:
        for value in (self.channel, self.user_id):
            if not isinstance(value, str) or not value.strip() or len(value) > ACTOR_ID_MAX:
                raise NotAnActor("the request does not name who is acting")

    @property
    def ref(self) -> str:
        """How the actor is written in case history: a chat id, never a name typed in."""
        return f"{self.channel}:{self.user_id}"


def is_person(contact: Contact, actor: Actor) -> bool:
    """Whether the actor is this configured person; a missing id never matches."""
    address = contact.address_on(actor.channel)
    return address is not None and address == actor.user_id


def known_id(settings: Settings, channel: str, candidates: list[str | None]) -> str | None:
    """The first candidate id that names a configured person on `channel`, else the last one
    given: a channel may know one person by several ids (Teams: Entra object id and 29: id)."""
    given = [c for c in candidates if isinstance(c, str) and c]
    for candidate in given:
        if settings.person_at(channel, candidate) is not None:
            return candidate
    return given[-1] if given else None


def officer_for(settings: Settings, actor: Actor) -> Contact | None:
    return settings.officer_at(actor.channel, actor.user_id)


def role_of(settings: Settings, actor: Actor) -> Role:
    if officer_for(settings, actor):
        return OFFICER
    if settings.counsel and is_person(settings.counsel, actor):
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
    try:
        actor = Actor(channel, user_id)
    except NotAnActor:
        return None
    return settings.person_at(actor.channel, actor.user_id)


def display_name(settings: Settings, actor_ref: str | None) -> str:
    """A configured person's name for an actor ref, else a neutral word (never an id)."""
    if not actor_ref or ":" not in actor_ref:
        return "someone"
    person = person_for_ref(settings, actor_ref)
    return person.name if person else "staff member"
