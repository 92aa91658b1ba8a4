"""`patronguard playbook`: the procedure for counsel, with sources and the overrides in force."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli


class TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(markup: str) -> str:
    parser = TextOf()
    parser.feed(markup)
    return " ".join(" ".join(parser.parts).split())


def configured(tmp_path: Path, *, playbook: str | None = None) -> Path:
    config = tmp_path / "patronguard.yaml"
    assert CliRunner().invoke(cli, ["init", str(config)]).exit_code == 0
    if playbook is not None:
        (tmp_path / "ours.yaml").write_text(playbook, encoding="utf-8")
        text = config.read_text(encoding="utf-8").replace("playbooks: []", "playbooks: [ours.yaml]")
        text += "\nstate_law:\n  statute: Example Stat. 43.30\n"
        config.write_text(text, encoding="utf-8")
    return config


def test_html_shows_every_first_screen_beside_its_sources(tmp_path):
    out = tmp_path / "procedure.html"
    result = CliRunner().invoke(
        cli,
        ["playbook", "--config", str(configured(tmp_path)), "--format", "html", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    markup = out.read_text(encoding="utf-8")
    assert markup.startswith("<!doctype html>")
    text = html_text(markup)
    assert "No overrides are in force" in text
    assert "A search warrant signed by a judge or magistrate (urgent, legal hold)" in text
    assert "A warrant signed by a judge can be carried out at once." in text
    assert "it is not a judge's warrant" in text and "ilrc-ice" in text
    assert "18 U.S.C. 2232" in text  # the sources, in full, at the end
    assert "Not written yet." in text  # no state_law in the starter


def test_markdown_names_the_overrides_in_force_and_marks_the_librarys_lines(tmp_path):
    config = configured(
        tmp_path,
        playbook="steps:\n  - id: consult_counsel\n    guidance:\n"
        "      subpoena: Call the County Attorney's duty line.\n",
    )
    result = CliRunner().invoke(cli, ["playbook", "--config", str(config)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "ours.yaml changes: steps.consult_counsel.guidance.subpoena." in out
    assert "| A subpoena | Call the County Attorney's duty line. | library |" in out
    assert "| Statute | Example Stat. 43.30 |" in out


def test_without_a_config_it_prints_the_built_in_procedure(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PATRONGUARD_CONFIG", raising=False)
    result = CliRunner().invoke(cli, ["playbook"])
    assert result.exit_code == 0
    assert "printing the built-in procedure only" in result.output
    assert "No overrides are in force" in result.output


def test_a_broken_playbook_file_is_named_with_its_line(tmp_path):
    config = configured(tmp_path, playbook="steps:\n  - id: consult_counsel\n    gidance: {}\n")
    result = CliRunner().invoke(cli, ["playbook", "--config", str(config)])
    assert result.exit_code == 1
    assert "ours.yaml:3" in result.output and "Traceback" not in result.output
