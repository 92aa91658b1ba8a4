from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import format_duration, load_default_settings, load_settings, parse_duration
from playbooks.yamlfile import FileProblems


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("5m", 300), ("2h", 7200), ("30d", 2592000), ("3y", 3 * 365 * 86400)],
)
def test_durations_are_read_as_written(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)
    assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)


@pytest.mark.parametrize("bad", ["5", "five minutes", "5 mins", "", "-5m"])
def test_bad_durations_say_how_to_write_them(bad):
    with pytest.raises(ValueError, match="90s"):
        parse_duration(bad)


def test_starter_config_is_valid_and_in_escalation_order():
    settings = load_default_settings()
    assert [o.key for o in settings.officers][:2] == ["dana-whitfield", "sam-ortega"]
    assert settings.escalation.ack_timeout == timedelta(minutes=5)
    assert settings.retention.cases == timedelta(days=30)


def test_all_mistakes_are_reported_with_file_line_and_path(tmp_path):
    path = tmp_path / "patronguard.yaml"
    path.write_text(
        """library:
  name: Test Library
  timezone: Mars/Olympus
officers:
  - name: A
    slack_id: dana
    phone: "12"
  - name: B
    emial: b@example.org
escalation:
  ack_timeout: 5 minutes
retention:
  cases: 30
""",
        encoding="utf-8",
    )
    with pytest.raises(FileProblems) as caught:
        load_settings(path)
    found = {(p.path, p.line) for p in caught.value.problems}
    assert found == {
        ("library.timezone", 3),
        ("officers[0].slack_id", 6),
        ("officers[0].phone", 7),
        ("officers[1].emial", 9),
        ("escalation.ack_timeout", 11),
        ("retention.cases", 13),
    }
    text = str(caught.value)
    assert "America/Chicago" in text and "Copy member ID" in text and "unknown key" in text


def test_playbook_paths_are_relative_to_the_config_file(tmp_path):
    (tmp_path / "cfg").mkdir()
    path = tmp_path / "cfg" / "patronguard.yaml"
    path.write_text(
        "library: {name: L}\nofficers: [{name: A}]\nplaybooks: [local.yaml]\n", encoding="utf-8"
    )
    assert load_settings(path).playbooks == [tmp_path / "cfg" / "local.yaml"]
