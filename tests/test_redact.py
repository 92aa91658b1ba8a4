"""Redaction of stored free text: what is removed, what is kept, and properties of the output."""

from __future__ import annotations

import logging
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.redact import contains_identifier, redact

MARKER = "[redacted]"
PROPERTY = settings(max_examples=300, deadline=None, database=None)

# (text, what must be gone from the output)
POSITIVE = [
    ("Contact jane.doe@example.com today", "jane.doe@example.com"),
    ("mail: <bob+pg@mail.library.example.org>", "bob+pg@mail.library.example.org"),
    ("josé@bücher.example", "@bücher.example"),
    ("Call (555) 123-4567 now", "123-4567"),
    ("555-123-4567", "555-123-4567"),
    ("555.123.4567", "555.123.4567"),
    ("+1 555 123 4567", "555 123 4567"),
    ("+1 (555) 123-4567", "123-4567"),
    ("1-800-555-0199", "800-555-0199"),
    ("5551234567", "5551234567"),
    ("555-123-4567 ext. 89", "89"),
    ("(555) 123-4567 x123", "x123"),
    ("5551234567 extension 4", "extension 4"),
    ("card 4111 1111 1111 1111", "1111"),
    ("card 4111-1111-1111-1111", "1111"),
    ("amex 3782 822463 10005", "822463"),
    ("visa13 4222 2222 2222 2", "2222"),
    ("4222222222222", "4222222222222"),
    ("barcode 2 1234 00567 8901", "00567"),
    ("barcode 21234005678901", "21234005678901"),
    ("barcode 3 9876 54321 0987 and more", "54321"),
    ("SSN 123-45-6789", "123-45-6789"),
    ("SSN 123 45 6789", "123 45 6789"),
    ("account 123456789", "123456789"),
    ("ref 0000123456789012345678", "123456789"),
    ("Lives at 123 Main St", "123 Main St"),
    ("4500 N. Oak Avenue Apt 5", "Oak Avenue"),
    ("Apt 5 is at 4500 N. Oak Avenue Apt 5.", "Oak"),
    ("77 Elm Rd.", "Elm Rd"),
    ("1600 Pennsylvania Ave NW, Washington", "Pennsylvania"),
    ("12 5th Ave", "5th Ave"),
    ("300 Martin Luther King Jr Blvd Suite #200", "King"),
    ("12 Oak St, Unit 4B", "4B"),
    ("72 Maple Drive #3", "Maple"),
    ("98 Lakeview Terrace", "Lakeview"),
    ("8 Hill Ln and 5 Cedar Ct", "Hill"),
    ("9 Sunset Hwy, 10 Commerce Pkwy", "Commerce"),
    ("3 Elm Place, 4 Ash Pl, 5 Oak Ter, 6 Bay Boulevard", "Bay"),
    ("7 Fir Lane, 8 Yew Court, 9 Ivy Way, 10 Fig Highway, 11 Elm Road", "Fig"),
    ("PO Box 1234", "1234"),
    ("P.O. Box 77", "77"),
    ("hidden\u200b555\u200b-123-4567", "4567"),
]

# agency names and notes that must come through unchanged
NEGATIVE = [
    "FBI Field Office 12",
    "Precinct 7",
    "Case 2024-17",
    "Local 1234",
    "Requested in 2024",
    "Springfield Police Department",
    "Officer Smith, badge 4521",
    "Met at 3:30 PM on 2024-05-01",
    "Visited 2024-03-05 14:30, left 15:10",
    "Subpoena 24-CV-1183",
    "Chicago Police Department District 12",
    "Ticket #55321",
    "Room 12",
    "2 officers drove the whole way",
    "3 people, Dr Smith",
    "Sheriff's Dept, Unit 5",
    "U.S. Marshals Service",
    "Case 2024-1701 and 2024-1702",
    "ZIP 62701",
    "Agent arrived at 10 and left at 11",
    "Troop 3 State Police",
    "Call back at 555-0199",
    "Version 1.2.3",
    "3.5 hours",
    "Court order 12-3456",
    "Asked for 2 years of records",
    "DEA, Route 66 task force",
]


@pytest.mark.parametrize(("text", "secret"), POSITIVE)
def test_identifiers_are_redacted(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert MARKER in out
    assert contains_identifier(text)


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_text_is_kept(text: str) -> None:
    assert redact(text) == text
    assert not contains_identifier(text)


def test_surrounding_words_are_kept() -> None:
    assert redact("Agent Ruiz (555) 123-4567 asked twice") == f"Agent Ruiz {MARKER} asked twice"
    assert redact("Lives at 123 Main St, Springfield") == f"Lives at {MARKER}, Springfield"
    assert redact("write to a@b.org.") == f"write to {MARKER}."


def test_whitespace_is_collapsed_and_control_characters_stripped() -> None:
    assert redact("  FBI\tField\n\nOffice\r\n12  ") == "FBI Field Office 12"
    assert redact("Pre\x00cinct\x07 7\u200b") == "Precinct 7"
    assert redact("\u202eevil\u202c text") == "evil text"
    assert redact("") == ""
    assert redact(" \n\t ") == ""


def test_redacts_before_truncating() -> None:
    text = "x" * 195 + " 555-123-4567"
    out = redact(text, max_length=200)
    assert "555" not in out
    assert len(out) <= 200


def test_truncation_adds_an_ellipsis_and_respects_the_limit() -> None:
    out = redact("word " * 100, max_length=50)
    assert out.endswith("…")
    assert len(out) <= 50
    assert not out.endswith(" …")
    assert redact("short", max_length=50) == "short"
    assert redact("abcdef", max_length=1) == "…"


def test_truncation_does_not_complete_an_address() -> None:
    # cut just after "St" of "Stanley" would read as "12 Oak St"
    text = "Meet at 12 Oak Stanley Hall"
    for limit in range(5, len(text) + 2):
        out = redact(text, max_length=limit)
        assert len(out) <= limit
        assert redact(out, max_length=limit) == out


def test_max_length_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_length"):
        redact("text", max_length=0)


def test_marker_survives_re_redaction() -> None:
    assert redact(MARKER) == MARKER
    assert not contains_identifier(MARKER)
    once = redact("Agent 555-123-4567 at 12 Oak St, mail a@b.org")
    assert once.count(MARKER) == 3
    assert redact(once) == once
    assert not contains_identifier(once)


def test_nothing_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        redact("Agent 555-123-4567 at 12 Oak St, mail a@b.org")
        contains_identifier("a@b.org")
    assert caplog.records == []


# --- properties ----------------------------------------------------------------------------

surrounding = st.text(max_size=30)


@st.composite
def phones(draw: st.DrawFn) -> str:
    area = draw(st.from_regex(r"[2-9]\d\d", fullmatch=True))
    exchange = draw(st.from_regex(r"[2-9]\d\d", fullmatch=True))
    line = draw(st.from_regex(r"\d{4}", fullmatch=True))
    template = draw(
        st.sampled_from(
            [
                "({a}) {e}-{n}",
                "{a}-{e}-{n}",
                "{a}.{e}.{n}",
                "+1 {a} {e} {n}",
                "{a}{e}{n}",
                "1-{a}-{e}-{n}",
                "+1 ({a}) {e}-{n}",
            ]
        )
    )
    extension = draw(st.sampled_from(["", " ext. 12", " x7", " extension 345", " ext 9"]))
    return template.format(a=area, e=exchange, n=line) + extension


@st.composite
def luhn_numbers(draw: st.DrawFn) -> str:
    length = draw(st.integers(13, 19))
    body = draw(st.lists(st.integers(0, 9), min_size=length - 1, max_size=length - 1))
    total = 0
    for position, digit in enumerate(reversed(body)):
        # the check digit will sit at position 0, so the body's position 0 is doubled
        doubled = digit * 2 if position % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    digits = "".join(map(str, body)) + str((10 - total % 10) % 10)
    separator = draw(st.sampled_from(["", " ", "-"]))
    return separator.join(digits[i : i + 4] for i in range(0, len(digits), 4))


@st.composite
def barcodes(draw: st.DrawFn) -> str:
    digits = draw(st.from_regex(r"\d{14}", fullmatch=True))
    if draw(st.booleans()):
        return f"{digits[0]} {digits[1:5]} {digits[5:10]} {digits[10:]}"
    return digits


identifiers = st.one_of(st.emails(), phones(), luhn_numbers(), barcodes())


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


@PROPERTY
@given(luhn_numbers())
def test_generated_card_numbers_pass_luhn(number: str) -> None:
    assert luhn_ok(number)


@PROPERTY
@given(surrounding, identifiers, surrounding, st.integers(1, 300))
def test_embedded_identifiers_never_survive(
    before: str, secret: str, after: str, max_length: int
) -> None:
    out = redact(before + secret + after, max_length=max_length)
    assert secret not in out
    assert re.search(r"\d{9,}", out) is None


@PROPERTY
@given(surrounding, identifiers, surrounding)
def test_embedded_identifiers_are_reported(before: str, secret: str, after: str) -> None:
    assert contains_identifier(before + secret + after)
    assert MARKER in redact(before + secret + after, max_length=1000)


fragments = st.one_of(
    identifiers,
    st.sampled_from(["12", "Oak", "St", "Stanley", "Apt", "#", "@", ".", "-", " ", "x", "…"]),
    st.from_regex(r"\d{1,10}", fullmatch=True),
    st.text(max_size=5),
    st.just(MARKER),
)
texts = st.one_of(st.text(max_size=120), st.lists(fragments, max_size=12).map("".join))


@PROPERTY
@given(texts, st.integers(1, 250))
def test_redact_is_idempotent(text: str, max_length: int) -> None:
    once = redact(text, max_length=max_length)
    assert redact(once, max_length=max_length) == once


@PROPERTY
@given(texts, st.integers(1, 250))
def test_output_fits_the_limit(text: str, max_length: int) -> None:
    out = redact(text, max_length=max_length)
    assert len(out) <= max_length + 1
    assert len(out) <= max_length
    assert out == out.strip()
    assert "  " not in out
    assert not any(ch in out for ch in "\x00\n\t\r\u200b")


@PROPERTY
@given(texts, texts)
def test_the_marker_itself_is_never_redacted(before: str, after: str) -> None:
    out = redact(f"{before} {MARKER} {after}", max_length=10_000)
    assert out.count(MARKER) >= 1 + before.count(MARKER) + after.count(MARKER)
