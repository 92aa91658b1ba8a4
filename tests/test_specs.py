"""The schemas the tests validate against are the repository's own, byte-identical to upstream."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

from tests.standins.payload_checks import specs_dir

REPOSITORY = Path(__file__).resolve().parents[1]


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def test_every_spec_matches_the_blob_id_in_sources() -> None:
    sources = (specs_dir() / "SOURCES.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+\.json)` .*\| `([0-9a-f]{40})` \|$", sources, re.MULTILINE)
    assert {name for name, _ in rows} == {p.name for p in specs_dir().glob("*.json")}
    for name, blob in rows:
        assert git_blob_id((specs_dir() / name).read_bytes()) == blob, name


def test_no_tracked_file_reaches_outside_the_repository() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPOSITORY, capture_output=True, text=True, check=False
    )
    files = tracked.stdout.split() if tracked.returncode == 0 else []
    if not files:  # an archive without .git: look at every file instead
        files = [str(p.relative_to(REPOSITORY)) for p in REPOSITORY.rglob("*") if p.is_file()]
    # Built from pieces, so this file does not match itself.
    sibling = "shared"
    pattern = re.compile(rf"\.\./{sibling}\b|{sibling}/(specs|DESIGN|PROCEDURE|STYLE)")
    found = []
    for name in files:
        path = REPOSITORY / name
        if path.suffix == ".json" or ".git" in path.parts or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [f"{name}: {m.group(0)}" for m in pattern.finditer(text)]
    assert found == []
