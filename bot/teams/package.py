"""The Microsoft Teams app package: manifest v1.17, its two icons, and the zip IT uploads.

`teams_manifest` builds the manifest dict, `color_icon_png` and `outline_icon_png` draw the
icons Teams requires, and `write_teams_package` writes the upload-ready zip. Arguments Teams
would reject raise ValueError with a message fit to show the person running the command.
"""

from __future__ import annotations

import json
import math
import os
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SCHEMA_URL = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
)
MANIFEST_VERSION = "1.17"
COLOR_ICON = "color.png"
OUTLINE_ICON = "outline.png"
COLOR_ICON_SIZE = 192
OUTLINE_ICON_SIZE = 32
ACCENT_COLOR = "#1F3A5F"
BOT_SCOPES: tuple[str, ...] = ("personal", "team")

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_SEMVER = re.compile(r"(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)")
_SHORT_NAME_MAX = 30
_DEVELOPER_NAME_MAX = 32
_URL_MAX = 2048
_MAX_COMMANDS = 10
_COMMAND_TITLE_MAX = 32
_COMMAND_DESCRIPTION_MAX = 128

_SHORT_DESCRIPTION = "Report demands for patron records and follow the ALA response steps."
_FULL_DESCRIPTION = (
    "{name} helps library staff when someone, such as a police officer, a federal agent or an "
    "attorney, asks for information about a library patron: what they borrowed, which "
    "computer they used, or any other patron record.\n\n"
    "Staff report the request to {name} in Teams. The library's responsible officer is "
    "paged straight away, and everyone involved is walked through the American Library "
    "Association's six-step procedure for requests for library records, one step at a "
    "time. Run a drill to practise before a real request arrives, and check a case's "
    "status at any time.\n\n"
    "{name} keeps only what the library needs to follow up, and strips personal details "
    "such as email addresses and phone numbers from the free text it stores. It does not "
    "give legal advice."
)

# Icon colours: the accent colour behind a white mark.
_BACKGROUND = (0x1F, 0x3A, 0x5F)
_MARK = (0xFF, 0xFF, 0xFF)
_SUPERSAMPLE = 4  # samples per pixel side, for smooth edges

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOR_TYPE_RGB = 2
_COLOR_TYPE_RGBA = 6
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same inputs give byte-identical packages


def teams_manifest(
    *,
    app_id: str,
    app_name: str = "PatronGuard",
    version: str,
    developer_name: str,
    website_url: str,
    privacy_url: str,
    terms_url: str,
    commands: list[tuple[str, str]],
) -> dict[str, Any]:
    """Build the Teams app manifest (schema v1.17) for the PatronGuard bot.

    app_id is the bot's Microsoft App ID (a GUID) and doubles as the Teams app id. version is
    the package version as MAJOR.MINOR.PATCH; raise it for every upload that changes the
    package. The URLs must be https. commands is a list of (title, description) pairs shown
    in the Teams command menu, at most 10.

    Raises ValueError for anything Teams would refuse.
    """
    if not _GUID.fullmatch(app_id.strip()):
        raise ValueError(
            f"The app id {app_id!r} is not a GUID: use the bot's Microsoft App ID, "
            "e.g. 6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f."
        )
    app_id = app_id.strip()
    name = _check_text("The app name", app_name, _SHORT_NAME_MAX)
    if not _SEMVER.fullmatch(version.strip()):
        raise ValueError(f"The version {version!r} must look like 1.0.0 (MAJOR.MINOR.PATCH).")
    developer = _check_text("The developer name", developer_name, _DEVELOPER_NAME_MAX)
    command_list = _check_commands(commands)

    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version.strip(),
        "id": app_id,
        "developer": {
            "name": developer,
            "websiteUrl": _check_https("The website URL", website_url),
            "privacyUrl": _check_https("The privacy URL", privacy_url),
            "termsOfUseUrl": _check_https("The terms of use URL", terms_url),
        },
        "name": {"short": name, "full": f"{name}: patron records request helper"},
        "description": {
            "short": _SHORT_DESCRIPTION,
            "full": _FULL_DESCRIPTION.format(name=name),
        },
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": app_id,
                "scopes": list(BOT_SCOPES),
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [{"scopes": list(BOT_SCOPES), "commands": command_list}],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def write_teams_package(path: Path, manifest: dict[str, Any]) -> None:
    """Write the zip to upload to Teams: manifest.json, color.png and outline.png at its root.

    The file is replaced atomically, and the same manifest always gives the same bytes.
    Raises ValueError if the manifest's icons are not named color.png and outline.png.
    """
    icons = manifest.get("icons", {})
    if icons.get("color") != COLOR_ICON or icons.get("outline") != OUTLINE_ICON:
        raise ValueError(
            f"The manifest's icons must be {COLOR_ICON!r} and {OUTLINE_ICON!r}, as packaged."
        )
    files = {
        "manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode(),
        COLOR_ICON: color_icon_png(),
        OUTLINE_ICON: outline_icon_png(),
    }
    path = Path(path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w") as archive:
            for name, data in files.items():
                info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
        os.chmod(temp_name, 0o644)  # mkstemp makes the file owner-only; IT may need to share it
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


@cache
def color_icon_png() -> bytes:
    """The 192x192 RGB colour icon: a white shield with a keyhole on the accent colour."""
    size = COLOR_ICON_SIZE
    # Teams shows the colour icon full-bleed; the mark sits in the central ~60%.
    mark = _glyph(size / 2, size / 2, size * 0.30)

    def pixel(x: int, y: int) -> bytes:
        cover = _coverage(mark, x, y)
        return bytes(round(b + (m - b) * cover) for b, m in zip(_BACKGROUND, _MARK, strict=True))

    return _png(size, size, _COLOR_TYPE_RGB, _rows(size, size, pixel))


@cache
def outline_icon_png() -> bytes:
    """The 32x32 RGBA outline icon: a white shield on a fully transparent background."""
    size = OUTLINE_ICON_SIZE
    mark = _glyph(size / 2, size / 2, size * 0.45)

    def pixel(x: int, y: int) -> bytes:
        # Every pixel is white; only alpha varies, as Teams requires of outline icons.
        return bytes((*_MARK, round(255 * _coverage(mark, x, y))))

    return _png(size, size, _COLOR_TYPE_RGBA, _rows(size, size, pixel))


def _check_text(what: str, value: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise ValueError(f"{what} must not be empty.")
    if not text.isprintable():
        raise ValueError(f"{what} {text!r} must not contain line breaks or control characters.")
    if len(text) > limit:
        raise ValueError(
            f"{what} {text!r} is {len(text)} characters; Teams allows at most {limit}."
        )
    return text


def _check_https(what: str, url: str) -> str:
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() != "https" or not parts.hostname or not text.isprintable():
        raise ValueError(
            f"{what} {url!r} must be an https address, e.g. https://library.example.org"
        )
    if " " in text:
        raise ValueError(f"{what} {url!r} must not contain spaces.")
    if len(text) > _URL_MAX:
        raise ValueError(f"{what} is {len(text)} characters; Teams allows at most {_URL_MAX}.")
    return text


def _check_commands(commands: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    checked: list[dict[str, str]] = []
    seen: set[str] = set()
    for title, description in commands:
        title = _check_text("A command title", title, _COMMAND_TITLE_MAX)
        description = _check_text(
            f"The description of command {title!r}", description, _COMMAND_DESCRIPTION_MAX
        )
        if title.casefold() in seen:
            raise ValueError(f"The command {title!r} is listed twice.")
        seen.add(title.casefold())
        checked.append({"title": title, "description": description})
    if not checked:
        raise ValueError("At least one command is needed for the Teams command menu.")
    if len(checked) > _MAX_COMMANDS:
        raise ValueError(
            f"{len(checked)} commands given; Teams shows at most {_MAX_COMMANDS} per list."
        )
    return checked


# --- drawing -------------------------------------------------------------------------------

Glyph = Callable[[float, float], bool]


def _glyph(cx: float, cy: float, half: float) -> Glyph:
    """A shield with a keyhole cut out, centred on (cx, cy), `half` pixels from centre to edge."""

    def inside(x: float, y: float) -> bool:
        u = (x - cx) / half
        v = (y - cy) / half + 0.05  # the shield runs from v=-0.85 to 0.95; centre it
        return _in_shield(u, v) and not _in_keyhole(u, v)

    return inside


def _in_shield(u: float, v: float) -> bool:
    if v < -0.85 or v > 0.95:
        return False
    top_corner = 0.15  # rounded top corners
    if v < -0.85 + top_corner and abs(u) > 0.75 - top_corner:
        return math.hypot(abs(u) - (0.75 - top_corner), v - (-0.85 + top_corner)) <= top_corner
    if v <= 0.1:
        return abs(u) <= 0.75
    # Below the straight sides the shield narrows to a point at the bottom.
    t = (v - 0.1) / 0.85
    return abs(u) <= 0.75 * (1 - t * t)


def _in_keyhole(u: float, v: float) -> bool:
    if math.hypot(u, v + 0.25) <= 0.22:
        return True
    if -0.25 <= v <= 0.45:
        slot = 0.08 + 0.08 * (v + 0.25) / 0.70  # widens towards the bottom
        return abs(u) <= slot
    return False


def _coverage(inside: Glyph, x: int, y: int) -> float:
    n = _SUPERSAMPLE
    hits = sum(inside(x + (i + 0.5) / n, y + (j + 0.5) / n) for i in range(n) for j in range(n))
    return hits / (n * n)


def _rows(width: int, height: int, pixel: Callable[[int, int], bytes]) -> Iterable[bytes]:
    for y in range(height):
        yield b"".join(pixel(x, y) for x in range(width))


# --- PNG encoding --------------------------------------------------------------------------


def _png(width: int, height: int, color_type: int, rows: Iterable[bytes]) -> bytes:
    """Encode 8-bit RGB or RGBA rows as a PNG (no filtering, one IDAT chunk)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 (None) on every row
    return (
        _PNG_SIGNATURE
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
