"""What a library configures, as validated models: the officers, timings, retention, channels.

Reading the file and the environment is bot/config.py's job; handlers only use the models.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdwy])\s*$")


def parse_duration(value: Any) -> timedelta:
    """Read `90s`, `5m`, `2h`, `30d`, `2w` or `3y` (a year is 365 days)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("expected a duration such as 90s, 5m, 2h or 30d")
    if isinstance(value, int | float):
        raise ValueError(f"add a unit to {value}: for example {value}s, {value}m or {value}d")
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"'{value}' is not a duration; write it like 90s, 5m, 2h or 30d")
    return timedelta(seconds=float(match[1]) * _UNITS[match[2]])


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("y", _UNITS["y"]), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Strict):
    """A person PatronGuard can page: an officer or counsel."""

    name: str = Field(min_length=1, max_length=80)
    role: str = Field(default="", max_length=80)
    slack_id: str | None = None
    teams_id: str | None = None
    email: str | None = None
    phone: str | None = None
    # Channels to page on, in order; chat first, the rest as fallbacks. Default: all they have.
    page_via: list[Literal["slack", "teams", "email", "webhook"]] | None = None

    @model_validator(mode="after")
    def _page_via_has_ids(self) -> Contact:
        needs = {
            "slack": ("slack_id", self.slack_id),
            "teams": ("teams_id", self.teams_id),
            "email": ("email", self.email),
        }
        for channel in self.page_via or []:
            if channel in needs and not needs[channel][1]:
                raise ValueError(f"page_via lists {channel} but {needs[channel][0]} is not set")
        return self

    @field_validator("slack_id")
    @classmethod
    def _slack_id_shape(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[UW][A-Z0-9]{2,}", value):
            raise ValueError(
                f"'{value}' is not a Slack member id; copy it from the person's Slack "
                "profile (⋮ → Copy member ID), it looks like U024BE7LH"
            )
        return value

    @field_validator("teams_id")
    @classmethod
    def _teams_id_shape(cls, value: str | None) -> str | None:
        guid = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
        if value is not None and not (value.startswith("29:") or re.fullmatch(guid, value)):
            raise ValueError(
                f"'{value}' is not a Teams user id; use the person's Microsoft Entra object id "
                "(Entra admin center → Users → the person → Object ID), a GUID"
            )
        return value

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"'{value}' is not an email address")
        return value

    @field_validator("phone")
    @classmethod
    def _phone_shape(cls, value: str | int | None) -> str | None:
        if value is None:
            return None
        if len(re.sub(r"\D", "", str(value))) < 7:
            raise ValueError('write the phone number in full, in quotes, e.g. "+1 555 010 0199"')
        return str(value)

    @property
    def key(self) -> str:
        """A stable identifier for this person inside PatronGuard's tables."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")

    def address_on(self, channel: str) -> str | None:
        """Where this person is reached on a channel, and who they are when they act there:
        their chat id, their email address, or (webhook, terminal) their key."""
        found = {"slack": self.slack_id, "teams": self.teams_id, "email": self.email}
        return found.get(channel, self.key) or None

    @property
    def chat_channels(self) -> list[str]:
        return [c for c in ("slack", "teams") if self.address_on(c)]

    def page_order(self, enabled: frozenset[str]) -> tuple[list[str], list[str]]:
        """(chat channels paged at once, fallback channels in order), among those enabled."""
        order: list[str] = (
            [*self.page_via]
            if self.page_via
            else [
                *self.chat_channels,
                "email",
                "webhook",
            ]
        )
        usable = [c for c in order if c in enabled and (c != "email" or self.email)]
        chat = [c for c in usable if c in CHAT_CHANNELS]
        return chat, [c for c in usable if c not in CHAT_CHANNELS]


CHAT_CHANNELS = ("slack", "teams", "console")
# Channels where a person is known by an id of their own; on any other, by their key.
ADDRESSED_CHANNELS = ("slack", "teams", "email")


@dataclass(frozen=True)
class _Index:
    """Contacts by key and by (channel, address); the first listed wins, as a scan would."""

    by_key: dict[str, Contact]
    by_address: dict[tuple[str, str], Contact]

    @classmethod
    def of(cls, contacts: list[Contact]) -> _Index:
        by_key: dict[str, Contact] = {}
        by_address: dict[tuple[str, str], Contact] = {}
        for contact in contacts:
            by_key.setdefault(contact.key, contact)
            for channel in ADDRESSED_CHANNELS:
                address = contact.address_on(channel)
                if address is not None:
                    by_address.setdefault((channel, address), contact)
        return cls(by_key, by_address)

    def at(self, channel: str, address: str) -> Contact | None:
        if channel in ADDRESSED_CHANNELS:
            return self.by_address.get((channel, address))
        return self.by_key.get(address)


@dataclass(frozen=True)
class _Directory:
    """The indexes, with the very list and counsel they were built from: a settings copy
    with other officers or counsel (model_copy) has other objects and gets its own."""

    officers: list[Contact]
    counsel: Contact | None
    officer_index: _Index
    people_index: _Index

    def built_from(self, officers: list[Contact], counsel: Contact | None) -> bool:
        return self.officers is officers and self.counsel is counsel


class EmailSettings(_Strict):
    """SMTP for fallback pages; the password comes from PATRONGUARD_SMTP_PASSWORD."""

    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username: str | None = None
    sender: str = Field(min_length=3)
    timeout: Duration = timedelta(seconds=15)


class WebhookSettings(_Strict):
    """A JSON POST signed with HMAC-SHA256 (secret from PATRONGUARD_WEBHOOK_SECRET)."""

    url: str = Field(pattern=r"^https?://")
    timeout: Duration = timedelta(seconds=10)


class Library(_Strict):
    name: str = Field(min_length=1, max_length=120)
    timezone: str = "America/New_York"
    # School and academic libraries get FERPA's notice reminder on subpoenas for counsel.
    kind: Literal["public", "school", "academic"] = "public"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"'{value}' is not a time zone; use a name such as America/Chicago"
            ) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Escalation(_Strict):
    ack_timeout: Duration = timedelta(minutes=5)
    # Warrants, gagged orders and emergencies move to the next officer sooner.
    urgent_ack_timeout: Duration = timedelta(minutes=2)
    repeats: int = Field(default=2, ge=1, le=10)
    retry_backoff: Duration = timedelta(seconds=15)
    retry_backoff_max: Duration = timedelta(minutes=5)
    fallback_after: Duration = timedelta(minutes=2)  # chat undelivered this long: email, webhook

    @field_validator("ack_timeout", "urgent_ack_timeout")
    @classmethod
    def _reasonable_timeout(cls, value: timedelta) -> timedelta:
        if value < timedelta(seconds=1) or value > timedelta(hours=2):
            raise ValueError("must be between 1s and 2h; 5m is usual (2m when urgent)")
        return value

    @model_validator(mode="after")
    def _urgent_is_not_slower(self) -> Escalation:
        if self.urgent_ack_timeout > self.ack_timeout:
            raise ValueError(
                "urgent_ack_timeout must not be longer than ack_timeout: urgent cases "
                "move to the next officer sooner, not later"
            )
        return self


class Retention(_Strict):
    cases: Duration = timedelta(days=30)
    drills: Duration = timedelta(hours=24)
    demands: Duration = timedelta(days=3 * 365)
    purge_every: Duration = timedelta(hours=1)
    vacuum_every: Duration = timedelta(days=7)


class RetentionReview(_Strict):
    """A scheduled checklist for the privacy officer about the library's other records."""

    enabled: bool = False
    officer: str | None = None  # an officer's name; default: the first officer
    every: Duration = timedelta(days=30)
    checklist: Path | None = None  # default: playbooks/retention-review.yaml


class StateLaw(_Strict):
    """Your state's rules on library records, as your counsel writes them. PatronGuard
    shows them to officers beside the steps; its own wording never says what the law is."""

    statute: str | None = Field(default=None, max_length=200)  # e.g. the citation
    before_disclosure: str | None = Field(default=None, max_length=500)
    parents_and_minors: str | None = Field(default=None, max_length=500)
    camera_footage: str | None = Field(default=None, max_length=500)
    counsel_note: str | None = Field(default=None, max_length=1000)

    @property
    def is_empty(self) -> bool:
        return not any(self.model_dump().values())


class LegalProcess(_Strict):
    """The deadline clock, preservation after an informal request, and public counts."""

    # Reminders before a response or return date (0d: on the day), to the officer and counsel.
    reminders: list[Duration] = [
        timedelta(days=7),
        timedelta(days=2),
        timedelta(days=1),
        timedelta(0),
    ]
    reminder_hour: int = Field(default=9, ge=0, le=23)  # local time a reminder goes out
    preservation: Duration = timedelta(days=30)  # how long records are kept for process to come
    # Orders with a nondisclosure requirement other than NSLs and FISA orders are outside 50
    # U.S.C. 1874; counsel decides whether public reports count them (in ranges).
    count_other_gag_orders: bool = False

    @field_validator("reminders")
    @classmethod
    def _reminders_before_the_date(cls, value: list[timedelta]) -> list[timedelta]:
        if any(r < timedelta(0) or r > timedelta(days=365) for r in value):
            raise ValueError("each reminder is 0d (on the day) up to 365d before the date")
        return sorted(set(value), reverse=True)


class SlackOptions(_Strict):
    command: str = "/records-request"

    @field_validator("command")
    @classmethod
    def _command_shape(cls, value: str) -> str:
        if not re.fullmatch(r"/[a-z0-9_-]{1,31}", value):
            raise ValueError("the command must look like /records-request (lowercase, no spaces)")
        return value


class TeamsOptions(_Strict):
    # Teams shows it as the app's about, privacy and terms links; it must be https.
    website_url: str | None = Field(default=None, pattern=r"^https://[^\s]+$")


class Settings(_Strict):
    """Everything a library configures, validated; see bot/starter.yaml for the annotated form."""

    library: Library
    officers: list[Contact] = Field(min_length=1)
    counsel: Contact | None = None
    escalation: Escalation = Escalation()
    retention: Retention = Retention()
    playbooks: list[Path] = []
    database: Path | None = None
    slack: SlackOptions = SlackOptions()
    teams: TeamsOptions = TeamsOptions()
    email: EmailSettings | None = None
    webhook: WebhookSettings | None = None
    retention_review: RetentionReview = RetentionReview()
    state_law: StateLaw = StateLaw()
    legal_process: LegalProcess = LegalProcess()

    @model_validator(mode="after")
    def _officers_distinct_and_reachable(self) -> Settings:
        seen: dict[str, int] = {}
        for index, officer in enumerate(self.officers):
            if officer.key in seen:
                raise ValueError(
                    f"officers[{index}] has the same name as officers[{seen[officer.key]}]; "
                    "give each officer a distinct name"
                )
            seen[officer.key] = index
        review = self.retention_review.officer
        if review is not None and not any(o.name == review for o in self.officers):
            raise ValueError(
                f"retention_review.officer '{review}' is not the name of one of the officers"
            )
        return self

    @functools.cached_property
    def _directory(self) -> _Directory:
        # Built on first use: officers are looked up on every report, button and page.
        return _Directory(
            self.officers, self.counsel, _Index.of(self.officers), _Index.of(self.people)
        )

    def _indexes(self) -> _Directory:
        found = self._directory
        if not found.built_from(self.officers, self.counsel):
            # model_copy copied the cache along with other officers or counsel: rebuild it.
            self.__dict__.pop("_directory", None)
            found = self._directory
        return found

    def officer(self, key: str) -> Contact | None:
        return self._indexes().officer_index.by_key.get(key)

    def officer_at(self, channel: str, address: str) -> Contact | None:
        """The officer who is `address` on `channel` (their chat id, email or key)."""
        return self._indexes().officer_index.at(channel, address)

    def person_at(self, channel: str, address: str) -> Contact | None:
        """The officer, else counsel, who is `address` on `channel`."""
        return self._indexes().people_index.at(channel, address)

    @property
    def people(self) -> list[Contact]:
        """Everyone PatronGuard pages: the officers, then counsel."""
        return [*self.officers, *([self.counsel] if self.counsel else [])]

    def everyone_to_phone(self) -> list[Contact]:
        """Whom staff should phone when nobody acknowledges: officers, then counsel."""
        people = [o for o in self.officers if o.phone]
        if self.counsel and self.counsel.phone:
            people.append(self.counsel)
        return people
