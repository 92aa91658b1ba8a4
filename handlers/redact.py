"""Redaction of the short free-text fields PatronGuard stores (agency names, officer notes).

`redact` replaces anything that could identify a person with "[redacted]": email addresses,
US phone numbers, SSN-like numbers, payment-card-like numbers, library barcodes, any other
long number, and US street addresses. It also strips control characters, collapses
whitespace and caps the length. `contains_identifier` says whether `redact` would replace
anything. Short numbers ("Precinct 7", "Case 2024-17", "Local 1234", years) are kept.

Street addresses are recognised in their usual written form: a house number, one to four
street-name words each starting with a capital letter or a digit, then a suffix such as
St, Ave or Road. An address typed all in lower case ("12 main st") is not recognised.

Nothing here logs or keeps the text it is given.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

MARKER = "[redacted]"
ELLIPSIS = "…"

# Characters dropped outright: controls, invisible format characters (zero-width spaces and
# direction overrides could hide an identifier from the patterns) and lone surrogates.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})

# Email: the local part may be empty, so a leftover "@example.org" is caught too. The
# lookbehind makes a local part start only at a boundary, which keeps matching linear.
_LOCAL = r"""[^\s@<>()\[\]\\,;:"]"""
_EMAIL = re.compile(rf"(?<!{_LOCAL}){_LOCAL}*@[\w-]+(?:\.[\w-]+)+")

# Digits joined by single spaces or dashes, e.g. card numbers and spaced barcodes.
_DIGIT_CHAIN = re.compile(r"\d(?:[ -]?\d)*")
_BARCODE_DIGITS = 14  # any run of 14 digits is treated as a library barcode
_CARD_DIGITS = range(13, 20)
_EXTENSION = r"(?:\s*(?i:ext\.?|extension|x|\#)\s*\d{1,6})?"
_LONG_NUMBER = re.compile(rf"\d{{9,}}{_EXTENSION}")
# By the time these two run no digit run is longer than 8, so the digits glued on either
# side (taken along so that no stub is left behind) cost only bounded backtracking.
_SSN = re.compile(r"\d{0,8}\d{3}[ -]\d{2}[ -]\d{4}\d*")
_PHONE = re.compile(
    r"\d{0,8}(?:\+?1[ .-]?)?"  # country code
    r"(?:\(\d{3}\)[ .-]?|\d{3}[ .-]?)"  # area code
    rf"\d{{3}}[ .-]?\d{{4}}\d*{_EXTENSION}"
)

_SUFFIXES = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    "Terrace|Ter|Highway|Hwy|Parkway|Pkwy"
)
_ADDRESS = re.compile(
    r"\b\d{1,6}[A-Za-z]?"  # house number, e.g. 77 or 12B
    r"(?: [A-Z0-9][A-Za-z0-9'-]*\.?){1,4}?"  # street name, including "N." or "5th"
    rf" (?i:{_SUFFIXES})\b\.?"
    r"(?: (?i:N|S|E|W|NE|NW|SE|SW)\b\.?)?"  # trailing directional, e.g. "Main St NW"
    r"(?:,? (?:(?i:Apt|Apartment|Unit|Suite|Ste|Fl|Floor|Rm|Room)\.?(?: \#?|\#)|\# ?)"
    r"[A-Za-z0-9-]{1,6}\b)?"  # unit, e.g. "Apt 5", "Suite #200" or "#12"
)
_PO_BOX = re.compile(r"\b(?i:P\.? ?O\.?|Post Office) (?i:Box) \d+")


def redact(text: str, *, max_length: int = 200) -> str:
    """Return text fit to store: identifiers replaced by "[redacted]", tidy, and short.

    Control and invisible characters are removed, runs of whitespace become one space, and
    identifiers are replaced before the text is cut to max_length characters (ending in "…"
    when cut), so a cut can never leave part of an identifier behind. The result is at most
    max_length characters long, and redacting it again changes nothing.

    Raises ValueError if max_length is less than 1.
    """
    if max_length < 1:
        raise ValueError("max_length must be at least 1")
    result = _replace_identifiers(_normalise(text))
    # A cut only removes text, but cutting just after a word such as "St" could complete an
    # address, so redact again after cutting; the loop ends almost always after one pass.
    for _ in range(4):
        if len(result) <= max_length:
            return result
        result = _replace_identifiers(_cut(result, max_length))
    return result if len(result) <= max_length else result[: max_length - 1] + ELLIPSIS


def contains_identifier(text: str) -> bool:
    """True if `redact` would replace anything in text (the marker itself does not count)."""
    tidy = _normalise(text)
    return _replace_identifiers(tidy) != tidy


def _normalise(text: str) -> str:
    # Tabs and line breaks are control characters too, but they separate words.
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in _DROPPED_CATEGORIES
    )
    return " ".join(kept.split())


def _replace_identifiers(text: str) -> str:
    # Repeat until nothing changes: a replacement can expose a neighbour (such as the domain
    # left after "a@b.c@d.org"), and a fixed point is what makes redact idempotent. Every
    # change removes identifier characters for good, so this always ends.
    while True:
        redacted = text
        for pattern, keep in _RULES:
            redacted = pattern.sub(_replacer(keep), redacted)
        if redacted == text:
            return text
        text = redacted


def _replacer(keep: Callable[[str], bool] | None) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        return match.group() if keep is not None and keep(match.group()) else MARKER

    return replace


def _short_digit_chain(chain: str) -> bool:
    """Keep a chain of digits unless it is barcode-length or a card number."""
    digits = [int(ch) for ch in chain if ch.isdecimal()]
    if len(digits) >= _BARCODE_DIGITS:
        return False
    return not (len(digits) in _CARD_DIGITS and _luhn_valid(digits))


def _luhn_valid(digits: list[int]) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _cut(text: str, max_length: int) -> str:
    head = text[: max_length - 1]
    if len(text) > len(head) and text[len(head)] != " ":
        # End on a whole word when one is near, rather than on a stub of a word.
        space = head.rfind(" ")
        if space >= len(head) - 20 and space > 0:
            head = head[:space]
    return head.rstrip() + ELLIPSIS


# Order matters: emails first (they may hold digits), then the long-number rules, so the
# SSN and phone patterns never see a digit run they could cut in two; addresses last.
_RULES: tuple[tuple[re.Pattern[str], Callable[[str], bool] | None], ...] = (
    (_EMAIL, None),
    (_DIGIT_CHAIN, _short_digit_chain),
    (_LONG_NUMBER, None),
    (_SSN, None),
    (_PHONE, None),
    (_PO_BOX, None),
    (_ADDRESS, None),
)
