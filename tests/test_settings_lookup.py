"""Officers and counsel are found by key and by address through an index; it must answer as a
scan of the configured people in order would, and follow a settings copy with other people."""

from __future__ import annotations

from bot.config import Contact, Library, Settings, load_default_settings
from handlers.actors import COUNSEL, OFFICER, STAFF, Actor, is_person, person_for_ref, role_of

CHANNELS = ("slack", "teams", "email", "console", "webhook")


def scanned(people: list[Contact], channel: str, address: str) -> Contact | None:
    actor = Actor(channel, address)
    return next((p for p in people if is_person(p, actor)), None)


def every_address(settings: Settings) -> set[str]:
    found = {"nobody", "U0NOBODY"}
    for person in settings.people:
        found |= {a for c in CHANNELS if (a := person.address_on(c))}
    return found


def shared_addresses() -> Settings:
    """Two officers with one email, counsel sharing an officer's Slack id: first listed wins."""
    return Settings(
        library=Library(name="Test"),
        officers=[
            Contact(name="Ada One", slack_id="U0ADA", email="desk@lib.example"),
            Contact(name="Bo Two", teams_id="29:bo", email="desk@lib.example"),
        ],
        counsel=Contact(name="Cy Counsel", slack_id="U0ADA", email="cy@law.example"),
    )


def test_lookups_answer_as_a_scan_in_order_would():
    for settings in (load_default_settings(), shared_addresses()):
        for channel in CHANNELS:
            for address in every_address(settings):
                assert settings.officer_at(channel, address) is scanned(
                    settings.officers, channel, address
                )
                assert settings.person_at(channel, address) is scanned(
                    settings.people, channel, address
                )
        for officer in settings.officers:
            assert settings.officer(officer.key) is officer
        assert settings.officer("no-such-officer") is None


def test_roles_and_refs_come_from_the_index():
    settings = shared_addresses()
    assert role_of(settings, Actor("slack", "U0ADA")) == OFFICER  # the officer is listed first
    assert role_of(settings, Actor("email", "cy@law.example")) == COUNSEL
    assert role_of(settings, Actor("slack", "U0NOBODY")) == STAFF
    assert person_for_ref(settings, "email:desk@lib.example").name == "Ada One"
    assert person_for_ref(settings, "officer:bo-two").name == "Bo Two"


def test_a_copy_with_other_people_is_looked_up_afresh_and_equality_is_untouched():
    settings = load_default_settings()
    first = settings.officers[0]
    assert settings.officer_at("slack", first.slack_id) is first  # the index is built now
    assert settings == load_default_settings()  # a built index is not part of the value
    moved = first.model_copy(update={"slack_id": "U0MOVED"})
    copy = settings.model_copy(update={"officers": [moved, *settings.officers[1:]]})
    assert copy.officer_at("slack", first.slack_id) is None
    assert copy.officer_at("slack", "U0MOVED") is moved
    assert copy.officer(first.key) is moved
    assert settings.officer_at("slack", first.slack_id) is first
    no_counsel = settings.model_copy(update={"counsel": None})
    assert no_counsel.person_at("email", "counsel@city.example") is None
