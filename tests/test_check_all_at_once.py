"""`patronguard check` shows every problem in the config and every playbook file in one run."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli

CLEAN_ENV = {"SLACK_BOT_TOKEN": None, "PATRONGUARD_DB": None, "PATRONGUARD_CONFIG": None}

CONFIG = """\
library:
  name: Test Library
  timezone: Nowhere/Here
officers:
  - name: Dana Whitfield
    slak_id: U0DANA
    email: dana@library.example
    phone: "+1 555 010 0101"
  - name: Kim Ghost
    role: Deputy Director
escalation:
  ack_timout: 5m
playbooks: [local.yaml, extra.yaml]
"""
LOCAL = """\
steps:
  - id: refer
    guidence:
      default: Call the director on her mobile.
  - id: consult_counsle
    title: Call counsel
"""
EXTRA = """\
presentations:
  subpoena:
    lable: A subpoena (court paper)
steps:
  - id: refer
    actor: staf
"""


def check(config: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["check", "--config", str(config)], env=CLEAN_ENV)
    assert "Traceback" not in result.output
    return result.exit_code, result.output.splitlines()


def write(folder: Path, **files: str) -> Path:
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder / "patronguard.yaml"


def test_eight_planted_mistakes_all_show_in_one_run_with_file_line_and_fix(tmp_path):
    config = write(tmp_path, patronguard=CONFIG, local=LOCAL, extra=EXTRA)
    code, lines = check(config)
    local, extra = tmp_path / "local.yaml", tmp_path / "extra.yaml"
    expected = [
        "error: patronguard.yaml:3 at library.timezone: 'Nowhere/Here' is not a time zone; "
        "use a name such as America/Chicago",
        "error: patronguard.yaml:6 at officers[0].slak_id: unknown key 'slak_id': "
        "did you mean 'slack_id'?",
        "error: patronguard.yaml:9 at officers[1]: nobody can reach Kim Ghost: add a slack_id, "
        "teams_id or email so PatronGuard can page them, and a phone so staff can call them",
        "error: patronguard.yaml:12 at escalation.ack_timout: unknown key 'ack_timout': "
        "did you mean 'ack_timeout'?",
        f"error: {local}:3 at steps[0].guidence: unknown key 'guidence': did you mean 'guidance'?",
        f"error: {local}:5 at steps[1].id: no step 'consult_counsle' to change: did you mean "
        "'consult_counsel'? (a new step also needs number, actor, applies_to, guidance)",
        f"error: {extra}:3 at presentations.subpoena.lable: unknown key 'lable': "
        "did you mean 'label'?",
        f"error: {extra}:6 at steps[0].actor: 'staf' is not allowed here: did you mean "
        "'staff'? Use one of: staff, officer, counsel",
    ]
    assert code == 1
    assert [line.replace(str(config), "patronguard.yaml") for line in lines] == [
        *(e.replace(str(config), "patronguard.yaml") for e in expected),
        "8 problem(s) to fix; run `patronguard check` again after.",
    ]
    assert not any("patronguard init" in line for line in lines)  # the fix is in the file


def test_fixing_them_all_leaves_a_clean_check(tmp_path):
    fixed = {
        "Nowhere/Here": "America/Chicago",
        "slak_id": "slack_id",
        "ack_timout": "ack_timeout",
        "    role: Deputy Director": '    role: Deputy Director\n    phone: "+1 555 010 0103"\n'
        "    email: kim@library.example",
    }
    config = CONFIG
    for wrong, right in fixed.items():
        config = config.replace(wrong, right)
    config += "state_law:\n  statute: Example Stat. 43.30\n"  # else check warns it is empty
    local = LOCAL.replace("guidence", "guidance").replace("consult_counsle", "consult_counsel")
    extra = EXTRA.replace("lable", "label").replace("staf\n", "staff\n")
    code, lines = check(write(tmp_path, patronguard=config, local=local, extra=extra))
    assert code == 0, lines
    assert lines == [f"{tmp_path / 'patronguard.yaml'}: OK"]


def test_each_person_gets_one_message_and_they_never_contradict(tmp_path):
    config = write(
        tmp_path,
        patronguard="""\
library:
  name: Test Library
officers:
  - name: Only Phone
    phone: "+1 555 010 0101"
  - name: No Phone
    slack_id: U0NOPHONE
  - name: Nobody Knows
    role: Trustee
  - name: Fine Person
    email: fine@library.example
    phone: "+1 555 010 0102"
counsel:
  name: Quiet Counsel
""",
    )
    code, lines = check(config)
    about = {
        name: [line for line in lines if name in line]
        for name in ("Only Phone", "No Phone", "Nobody Knows", "Fine Person", "Quiet Counsel")
    }
    assert code == 1
    assert about["Fine Person"] == []
    assert [len(found) for found in about.values()] == [1, 1, 1, 0, 1]
    assert about["Only Phone"][0].startswith("warning:")
    assert "can only be phoned: PatronGuard cannot page them" in about["Only Phone"][0]
    assert about["No Phone"][0].startswith("warning:") and "has no phone" in about["No Phone"][0]
    for unreachable in ("Nobody Knows", "Quiet Counsel"):
        assert about[unreachable][0].startswith("error:")
        assert f"nobody can reach {unreachable}" in about[unreachable][0]
    assert lines[-1] == "2 problem(s) to fix; run `patronguard check` again after."


def test_a_broken_playbook_file_does_not_hide_the_next_one(tmp_path):
    config = write(
        tmp_path,
        patronguard="library:\n  name: L\nofficers:\n  - name: A\n    email: a@l.example\n"
        '    phone: "+1 555 010 0101"\nplaybooks: [first.yaml, second.yaml, third.yaml]\n',
        first="steps: [\n",
        second="contacts:\n  - name: Duty line\n    phone: '+1 555 010 0200'\n    nots: x\n",
    )
    code, lines = check(config)
    assert code == 1
    assert any("first.yaml:2: YAML syntax error" in line for line in lines)
    assert any(
        "second.yaml:4 at contacts[0].nots: unknown key 'nots': did you mean 'note'?" in (line)
        for line in lines
    )
    assert any("third.yaml: file not found" in line for line in lines)


def test_serve_names_the_key_it_expected_in_one_line(tmp_path):
    config = write(tmp_path, patronguard=CONFIG.replace("Nowhere/Here", "UTC"))
    result = CliRunner().invoke(cli, ["serve", "--config", str(config)], env=CLEAN_ENV)
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert "did you mean 'slack_id'? (and 1 more); run `patronguard check --config" in line
