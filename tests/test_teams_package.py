"""The Teams app package: manifest against the official v1.17 schema, icons, and the zip."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bot.teams.package import (
    color_icon_png,
    outline_icon_png,
    teams_manifest,
    write_teams_package,
)
from tests.standins.payload_checks import load_spec

APP_ID = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
COMMANDS = [
    ("report", "Report a demand for patron records"),
    ("drill", "Practise the procedure with a pretend request"),
    ("status", "Show the open case and the next step"),
    ("help", "What PatronGuard does and how to use it"),
]


@cache
def manifest_schema() -> dict[str, Any]:
    return load_spec("teams-manifest-1.17.schema.json")


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft4Validator(manifest_schema())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]


def build(**overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "app_id": APP_ID,
        "version": "1.0.0",
        "developer_name": "Springfield Public Library",
        "website_url": "https://library.example.org/patronguard",
        "privacy_url": "https://library.example.org/privacy",
        "terms_url": "https://library.example.org/terms",
        "commands": COMMANDS,
    }
    kwargs.update(overrides)
    return teams_manifest(**kwargs)


# --- PNG reading, independent of the writer ------------------------------------------------


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f"bad CRC on {kind!r}"
        chunks.append((kind, body))
        pos += 12 + length
    assert pos == len(data)
    return chunks


def png_header(data: bytes) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) from IHDR."""
    kind, body = png_chunks(data)[0]
    assert kind == b"IHDR" and len(body) == 13
    width, height, depth, color_type, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", body
    )
    assert (compression, filtering, interlace) == (0, 0, 0)
    return width, height, depth, color_type


def png_pixels(data: bytes) -> list[list[tuple[int, ...]]]:
    """Decode an 8-bit RGB or RGBA, non-interlaced PNG into rows of pixel tuples."""
    width, height, depth, color_type = png_header(data)
    assert depth == 8 and color_type in (2, 6)
    channels = 3 if color_type == 2 else 4
    raw = zlib.decompress(b"".join(body for kind, body in png_chunks(data) if kind == b"IDAT"))
    stride = width * channels
    assert len(raw) == height * (stride + 1)
    rows: list[list[tuple[int, ...]]] = []
    previous = bytearray(stride)
    for y in range(height):
        filter_type = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            upper_left = previous[i - channels] if i >= channels else 0
            if filter_type == 1:
                line[i] = (line[i] + left) & 0xFF
            elif filter_type == 2:
                line[i] = (line[i] + up) & 0xFF
            elif filter_type == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif filter_type == 4:
                p = left + up - upper_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
                line[i] = (line[i] + predictor) & 0xFF
            else:
                assert filter_type == 0
        rows.append([tuple(line[x : x + channels]) for x in range(0, stride, channels)])
        previous = line
    return rows


# --- manifest ------------------------------------------------------------------------------


def test_manifest_validates_against_the_official_schema() -> None:
    manifest = build()
    assert schema_errors(manifest) == []
    # draft-04 validators ignore the schema's "const", so check the version by hand
    assert manifest["manifestVersion"] == "1.17"
    assert manifest["$schema"].endswith("/teams/v1.17/MicrosoftTeams.schema.json")


def test_manifest_validates_with_the_most_commands_and_longest_names() -> None:
    commands = [(f"c{i}".ljust(32, "x"), "d" * 128) for i in range(10)]
    manifest = build(app_name="P" * 30, developer_name="D" * 32, commands=commands)
    assert schema_errors(manifest) == []


def test_schema_check_is_not_vacuous() -> None:
    manifest = build()
    manifest["packageName"] = "org.example.patronguard"
    assert schema_errors(manifest), "the 1.17 schema has no packageName, so it must be refused"
    manifest = build()
    manifest["bots"][0]["botId"] = "nope"
    assert schema_errors(manifest)


def test_manifest_content() -> None:
    manifest = build()
    assert manifest["id"] == APP_ID
    assert manifest["version"] == "1.0.0"
    assert manifest["developer"] == {
        "name": "Springfield Public Library",
        "websiteUrl": "https://library.example.org/patronguard",
        "privacyUrl": "https://library.example.org/privacy",
        "termsOfUseUrl": "https://library.example.org/terms",
    }
    assert manifest["name"]["short"] == "PatronGuard"
    assert len(manifest["name"]["short"]) <= 30
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    assert "patron" in manifest["description"]["full"].lower()
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["accentColor"].startswith("#")
    assert manifest["permissions"] == ["identity", "messageTeamMembers"]
    assert manifest["validDomains"] == []
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal", "team"]
    assert bot["supportsFiles"] is False
    assert bot["isNotificationOnly"] is False
    [command_list] = bot["commandLists"]
    assert command_list["scopes"] == ["personal", "team"]
    assert command_list["commands"] == [{"title": t, "description": d} for t, d in COMMANDS]


@pytest.mark.parametrize(
    "app_id",
    [
        "",
        "not-a-guid",
        "6f1c2d3e4a5b4c6d8e9f0a1b2c3d4e5f",
        "{6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f}",
        "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5",
        "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5g",
        "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f0",
    ],
)
def test_non_guid_app_id_is_refused(app_id: str) -> None:
    with pytest.raises(ValueError, match="is not a GUID"):
        build(app_id=app_id)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"version": "1.0"}, "MAJOR.MINOR.PATCH"),
        ({"version": "v1.0.0"}, "MAJOR.MINOR.PATCH"),
        ({"version": "01.0.0"}, "MAJOR.MINOR.PATCH"),
        ({"app_name": "P" * 31}, "at most 30"),
        ({"app_name": " "}, "must not be empty"),
        ({"developer_name": "D" * 33}, "at most 32"),
        ({"developer_name": "Library\nSystem"}, "line breaks"),
        ({"website_url": "http://library.example.org"}, "https"),
        ({"privacy_url": "library.example.org/privacy"}, "https"),
        ({"terms_url": "https://"}, "https"),
        ({"terms_url": "https://library.example.org/terms of use"}, "spaces"),
        ({"commands": []}, "At least one command"),
        ({"commands": [("c", "d")] * 2}, "listed twice"),
        ({"commands": [("Report", "a"), ("report", "b")]}, "listed twice"),
        ({"commands": [(f"c{i}", "d") for i in range(11)]}, "at most 10"),
        ({"commands": [("t" * 33, "d")]}, "at most 32"),
        ({"commands": [("t", "d" * 129)]}, "at most 128"),
        ({"commands": [("t", "")]}, "must not be empty"),
    ],
)
def test_bad_arguments_are_refused_clearly(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build(**overrides)


# --- icons ---------------------------------------------------------------------------------


def test_color_icon_is_192_square_full_bleed() -> None:
    data = color_icon_png()
    width, height, depth, color_type = png_header(data)
    assert (width, height, depth) == (192, 192, 8)
    assert color_type in (2, 6)
    pixels = png_pixels(data)
    corners = {pixels[0][0], pixels[0][-1], pixels[-1][0], pixels[-1][-1]}
    assert len(corners) == 1
    [corner] = corners
    assert corner[:3] != (255, 255, 255)
    if color_type == 6:
        assert corner[3] == 255
    # the white mark is there
    assert sum(p[:3] == (255, 255, 255) for row in pixels for p in row) > 192 * 192 // 10


def test_outline_icon_is_32_square_white_on_transparent() -> None:
    data = outline_icon_png()
    assert png_header(data) == (32, 32, 8, 6)
    pixels = png_pixels(data)
    for x, y in [(0, 0), (31, 0), (0, 31), (31, 31)]:
        assert pixels[y][x][3] == 0
    assert all(p[3] == 0 for p in pixels[0] + pixels[-1])
    assert all(p[:3] == (255, 255, 255) for row in pixels for p in row)
    opaque = sum(p[3] == 255 for row in pixels for p in row)
    assert 32 * 32 // 5 < opaque < 32 * 32 * 3 // 4


def test_png_chunks_are_ihdr_idat_iend() -> None:
    for data in (color_icon_png(), outline_icon_png()):
        kinds = [kind for kind, _ in png_chunks(data)]
        assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
        assert set(kinds[1:-1]) == {b"IDAT"}


# --- zip -----------------------------------------------------------------------------------


def test_zip_holds_exactly_the_three_files_at_its_root(tmp_path: Path) -> None:
    manifest = build()
    target = tmp_path / "app.zip"
    write_teams_package(target, manifest)
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert json.loads(archive.read("manifest.json").decode("utf-8")) == manifest
        assert not archive.read("manifest.json").startswith(b"\xef\xbb\xbf")
        assert archive.read("color.png") == color_icon_png()
        assert archive.read("outline.png") == outline_icon_png()
    assert [p.name for p in tmp_path.iterdir()] == ["app.zip"]


def test_zip_is_reproducible_and_replaces_an_old_package(tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    second.write_bytes(b"an older package")
    write_teams_package(first, build())
    write_teams_package(second, build())
    assert first.read_bytes() == second.read_bytes()


def test_zip_refuses_a_manifest_naming_other_icons(tmp_path: Path) -> None:
    manifest = build()
    manifest["icons"]["color"] = "logo.png"
    with pytest.raises(ValueError, match="icons"):
        write_teams_package(tmp_path / "app.zip", manifest)
    assert list(tmp_path.iterdir()) == []
