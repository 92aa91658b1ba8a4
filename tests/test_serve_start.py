"""The first hour of `patronguard serve`, as library IT meets it: one line per channel saying
whether it is on and why; a start refused, with what to fix, when a channel is only partly set
up, when an officer can be paged on no channel that is on, or when Slack refuses the bot
token; a start that goes on, saying so, when Slack cannot be reached or an officer has not
opened PatronGuard in Teams yet. A channel's SDK is loaded only when the channel is on."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from bot.cli import cli
from bot.config import EmailSettings, Settings, load_default_settings
from bot.runtime import SLACK_VARIABLES, TEAMS_VARIABLES
from bot.server import RUNTIME, StartupError, create_app
from tests.attack_harness import SECURED
from tests.slack_harness import BOT_TOKEN, SIGNING_SECRET, serve_slack
from tests.standins.slack_api import SlackStandIn
from tests.teams_harness import DANA, SAM, TeamsHarness, teams_settings

ROOT = Path(__file__).resolve().parents[1]
APP_TOKEN = "xapp-1-A0001-patronguard"
START_LIMIT = 30.0  # seconds for `serve` in a subprocess to start or to refuse


def server_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "patronguard.server"]


def with_email(settings: Settings) -> Settings:
    email = EmailSettings(host="127.0.0.1", port=2525, starttls=False, sender="pg@example.org")
    return settings.model_copy(update={"email": email})


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- which channels are on, and why -----------------------------------------------------------


async def test_each_channel_gets_one_line_saying_whether_it_is_on_and_why(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    async with serve_slack(tmp_path) as pg:
        async with pg.session.get(pg.url.replace("/slack/events", "/healthz")) as answer:
            status, body = answer.status, await answer.json()
        # Teams is off without MICROSOFT_APP_ID: its endpoint is not served at all.
        async with pg.session.post(pg.url.replace("/slack/events", "/api/messages")) as answer:
            assert answer.status == 404
    assert server_lines(caplog)[:4] == [
        "Slack: on (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set)",
        "Teams: off (MICROSOFT_APP_ID is not set)",
        "Email fallback: off (the config has no email section)",
        "Webhook fallback: off (the config has no webhook section)",
    ]
    # The starter config's third officer has only a phone, and counsel only an email address.
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert (
        "officers[2] (Deputy Director) can only be phoned: PatronGuard cannot page them; add a "
        "slack_id, teams_id or email"
    ) in warned
    assert (
        "counsel cannot be paged: Email fallback is off (the config has no email section): "
        "turn it on or give them a slack_id (Slack is on)."
    ) in warned
    # Paging only by phone is a choice `check` warns about, not a fault: healthy, and said.
    assert status == 200 and body["channels"] == ["slack"]
    assert body["officers_phone_only"] == ["Lee Park"] and body["officers_unreachable"] == []


async def test_socket_mode_says_so(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    async with serve_slack(tmp_path, socket_mode=True):
        pass
    assert server_lines(caplog)[0] == (
        "Slack: on, Socket Mode (SLACK_BOT_TOKEN and SLACK_APP_TOKEN are set, --socket-mode)"
    )


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({}, "Teams: on, local Bot Framework Emulator only (MICROSOFT_APP_ID is not set)"),
        (SECURED, "Teams: on (MICROSOFT_APP_ID is set; app type SingleTenant)"),
    ],
)
async def test_teams_says_how_it_runs(tmp_path, caplog, env, line):
    caplog.set_level(logging.INFO)
    settings = with_email(teams_settings(load_default_settings()))
    async with TeamsHarness.running(settings, tmp_path / "pg.db", env=env):
        pass
    assert server_lines(caplog)[:3] == [
        "Slack: off (not asked for)",
        line,
        "Email fallback: on (the config has an email section)",
    ]


# -- a channel partly set up is an error, never a silent off ----------------------------------


@pytest.mark.parametrize(
    ("env", "socket_mode", "says"),
    [
        (
            {"SLACK_SIGNING_SECRET": SIGNING_SECRET},
            False,
            [
                "Slack is only partly set up: SLACK_SIGNING_SECRET is set, but SLACK_BOT_TOKEN "
                "is not set",
                "OAuth & Permissions",
                "unset SLACK_SIGNING_SECRET to run without Slack",
            ],
        ),
        (
            {"SLACK_BOT_TOKEN": BOT_TOKEN},
            False,
            ["SLACK_SIGNING_SECRET is not set", "Basic Information", "--socket-mode"],
        ),
        (
            {"SLACK_API_URL": "https://slack-gov.com/api/"},
            False,
            ["SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set"],
        ),
        (
            {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_APP_TOKEN": APP_TOKEN,
            },
            False,
            ["SLACK_APP_TOKEN is set, but serve was started without --socket-mode"],
        ),
        ({}, True, ["--socket-mode asks for Slack", "SLACK_BOT_TOKEN and SLACK_APP_TOKEN"]),
        (
            {"SLACK_BOT_TOKEN": BOT_TOKEN},
            True,
            ["SLACK_APP_TOKEN is not set", "connections:write"],
        ),
        ({"MICROSOFT_APP_PASSWORD": "not-a-real-secret"}, False, ["MICROSOFT_APP_ID is not"]),
    ],
)
def test_a_channel_partly_set_up_stops_the_start_naming_what_is_missing(
    tmp_path, env, socket_mode, says
):
    db_path = tmp_path / "pg.db"
    with pytest.raises(StartupError) as caught:
        create_app(with_email(load_default_settings()), db_path, env, socket_mode=socket_mode)
    message = str(caught.value)
    for words in says:
        assert words in message
    for secret in (SIGNING_SECRET, BOT_TOKEN, APP_TOKEN, "not-a-real-secret"):
        assert secret not in message
    assert not db_path.exists()  # refused before anything was opened


def test_the_emulator_option_and_an_app_id_together_are_refused(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["serve", "--teams-emulator", "--db", str(tmp_path / "pg.db")],
        env={"MICROSOFT_APP_ID": SECURED["MICROSOFT_APP_ID"]},
    )
    assert result.exit_code == 2
    assert "drop --teams-emulator to serve Teams with authentication" in result.output


def test_the_unauthenticated_emulator_listens_on_this_machine_only(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["serve", "--teams-emulator", "--host", "0.0.0.0", "--db", str(tmp_path / "pg.db")],
        env={"MICROSOFT_APP_ID": ""},
    )
    assert result.exit_code == 2
    assert "listens on this machine only: drop --host 0.0.0.0" in result.output
    assert not (tmp_path / "pg.db").exists()


def test_an_app_id_without_a_tenant_says_single_tenant_is_the_default(tmp_path):
    config = tmp_path / "patronguard.yaml"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(config)]).exit_code == 0
    env: dict[str, str | None] = {name: None for name in (*SLACK_VARIABLES, *TEAMS_VARIABLES)}
    env.update(MICROSOFT_APP_ID=SECURED["MICROSOFT_APP_ID"], MICROSOFT_APP_PASSWORD="pw-secret")
    result = runner.invoke(
        cli, ["serve", "--config", str(config), "--db", str(tmp_path / "pg.db")], env=env
    )
    assert result.exit_code == 1
    assert "MICROSOFT_APP_ID is set but MICROSOFT_APP_TENANT_ID is not" in result.output
    assert "SingleTenant, the default" in result.output
    assert "MICROSOFT_APP_TYPE=MultiTenant" in result.output
    assert "pw-secret" not in result.output


# -- officers no channel that is on can page ---------------------------------------------------


def test_an_officer_only_on_channels_that_are_off_stops_the_start_with_the_fix(tmp_path):
    # Teams is on; the starter config's officers have Slack ids and email addresses only.
    with pytest.raises(StartupError) as caught:
        create_app(load_default_settings(), tmp_path / "pg.db", {}, teams=True)
    assert str(caught.value).splitlines() == [
        f"officers[{n}] {name} cannot be paged: Slack is off (SLACK_BOT_TOKEN is not set) and "
        "Email fallback is off (the config has no email section): turn one of them on or give "
        "them a teams_id (Teams is on)."
        for n, name in ((0, "Dana Whitfield"), (1, "Sam Ortega"))
    ]


def test_officers_who_can_all_only_be_phoned_stop_the_start(tmp_path):
    settings = load_default_settings()
    phones = [o.model_copy(update={"slack_id": None, "email": None}) for o in settings.officers]
    with pytest.raises(StartupError, match="No officer can be paged: officers\\[0\\] Dana"):
        create_app(
            settings.model_copy(update={"officers": phones}),
            tmp_path / "pg.db",
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET},
        )


async def test_officers_who_have_not_opened_teams_yet_are_logged_and_make_health_503(
    tmp_path, caplog
):
    caplog.set_level(logging.INFO)
    settings = teams_settings(load_default_settings())  # Teams ids for Dana and Sam
    async with TeamsHarness.running(settings, tmp_path / "pg.db") as teams:
        errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert errors == [
            f"officers[{n}] ({role}) can be paged only in Teams and has not opened PatronGuard "
            "there yet: ask them to open it once; until then /healthz answers 503 and names them"
            for n, role in ((0, "Library Director"), (1, "Privacy Officer"))
        ]
        assert "Dana Whitfield" not in caplog.text  # log lines never hold names
        async with aiohttp.ClientSession() as session:
            async with session.get(teams.url + "/healthz") as answer:
                assert answer.status == 503
                body = await answer.json()
            assert body["officers_unreachable"] == ["Dana Whitfield", "Sam Ortega"]
            for user in (DANA, SAM):
                assert await teams.install(user) == 201
            async with session.get(teams.url + "/healthz") as answer:
                assert answer.status == 200, await answer.json()


# -- the bot token, checked with Slack at start -------------------------------------------------


async def test_a_bot_token_slack_refuses_stops_the_start_with_where_to_copy_it(tmp_path):
    wrong = "xoxb-1-well-formed-but-not-this-app"
    with pytest.raises(StartupError) as caught:
        async with serve_slack(tmp_path, env={"SLACK_BOT_TOKEN": wrong}):
            pass
    message = str(caught.value)
    assert message.startswith("Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the Bot User")
    assert "OAuth & Permissions" in message and wrong not in message


@asynccontextmanager
async def started(env: dict[str, str], tmp_path: Path) -> AsyncIterator[TestClient]:
    app = create_app(load_default_settings(), tmp_path / "pg.db", env)
    async with TestClient(TestServer(app)) as client:
        await app[RUNTIME].pager.run_once()
        yield client


async def test_slack_out_of_reach_at_start_is_a_warning_and_pages_wait(tmp_path, caplog):
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{closed_port()}/api/",
    }
    async with started(env, tmp_path) as client:
        answer = await client.get("/healthz")
        assert answer.status == 200
    assert any(
        "could not reach Slack to check SLACK_BOT_TOKEN" in r.getMessage()
        and "pages wait in the outbox" in r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING
    )


async def test_slack_failing_at_start_is_a_warning_too(tmp_path, caplog):
    async with SlackStandIn(token=BOT_TOKEN) as slack:
        slack.fail_next("auth.test", status=503)
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
        }
        async with started(env, tmp_path) as client:
            assert (await client.get("/healthz")).status == 200
        assert [f.method for f in slack.faults] == ["auth.test"]
    assert "could not reach Slack to check SLACK_BOT_TOKEN (internal_error)" in caplog.text


async def test_an_address_that_is_not_slack_stops_the_start_naming_slack_api_url(tmp_path):
    async with TestServer(web.Application()) as elsewhere:  # answers 404 to everything
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": str(elsewhere.make_url("/api/")),
        }
        with pytest.raises(StartupError, match=r"SLACK_API_URL answered HTTP 404 to auth\.test"):
            async with started(env, tmp_path):
                pass


async def test_bolt_gets_the_token_alone_and_has_nothing_to_complain_about(
    tmp_path, caplog, monkeypatch
):
    # Where `serve` runs, the token is in the process environment too; Bolt reads it there.
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    caplog.set_level(logging.DEBUG, logger="patronguard.slack.bolt")
    async with serve_slack(tmp_path) as pg:
        client = pg.runtime.notifiers["slack"].client  # type: ignore[attr-defined]
        assert client.base_url == pg.slack.api_url and client.token == BOT_TOKEN
        assert [c.method for c in pg.slack.calls] == ["auth.test"]
    from_slack = [r for r in caplog.records if r.name.startswith(("patronguard.slack", "slack"))]
    assert [r.getMessage() for r in from_slack if r.levelno >= logging.WARNING] == []


# -- a channel's SDK only when it is on ----------------------------------------------------------

IMPORTS = """
import sys
from pathlib import Path
from bot.config import load_default_settings
from bot.server import RUNTIME, create_app

settings = load_default_settings()
if sys.argv[1] == "slack":
    env = {"SLACK_BOT_TOKEN": "xoxb-1-a", "SLACK_SIGNING_SECRET": "0123456789abcdef0123"}
else:
    ids = ("29:1dana", "29:1sam", "29:1lee")
    officers = [o.model_copy(update={"teams_id": i}) for o, i in zip(settings.officers, ids)]
    settings = settings.model_copy(update={"officers": officers})
    env = {
        "MICROSOFT_APP_ID": "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
        "MICROSOFT_APP_PASSWORD": "pw",
        "MICROSOFT_APP_TENANT_ID": "0b0c0d0e-1a2b-4c3d-8e9f-a0b1c2d3e4f5",
    }
app = create_app(settings, Path(sys.argv[2]), env)
app[RUNTIME].services.store.close()
roots = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "bot.slack", "bot.teams")
print(" ".join(sorted({r for r in roots for m in sys.modules if m == r or m.startswith(r + ".")})))
"""


@pytest.mark.parametrize(
    ("channel", "loaded"),
    [
        ("slack", "bot.slack slack_bolt slack_sdk"),
        ("teams", "bot.teams botbuilder botframework"),
    ],
)
def test_only_the_sdk_of_a_channel_that_is_on_is_loaded(tmp_path, channel, loaded):
    found = subprocess.run(
        [sys.executable, "-c", IMPORTS, channel, str(tmp_path / "pg.db")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=START_LIMIT,
        check=True,
    )
    assert found.stdout.split() == loaded.split()


# -- `patronguard serve` as IT runs it -----------------------------------------------------------


def clean_environment(**given: str) -> dict[str, str]:
    names = (*SLACK_VARIABLES, *TEAMS_VARIABLES)
    kept = {k: v for k, v in os.environ.items() if k not in names and "PATRONGUARD" not in k}
    return {**kept, **given}


def starter_config(tmp_path: Path) -> Path:
    config = tmp_path / "patronguard.yaml"
    assert CliRunner().invoke(cli, ["init", str(config)]).exit_code == 0
    return config


def serve_command(config: Path, db: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bot",
        "serve",
        "--config",
        str(config),
        "--db",
        str(db),
        "--port",
        str(port),
    ]


def test_serve_with_no_slack_variables_refuses_to_start_naming_the_officers(tmp_path):
    config = starter_config(tmp_path)
    done = subprocess.run(
        serve_command(config, tmp_path / "pg.db", closed_port()),
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=START_LIMIT,
    )
    assert done.returncode == 1 and "PatronGuard listening" not in done.stdout
    assert done.stderr.startswith(
        "Error: officers[0] Dana Whitfield cannot be paged: Slack is off (SLACK_BOT_TOKEN is not "
        "set) and Email fallback is off (the config has no email section): turn one of them on."
    )
    assert "Traceback" not in done.stderr


async def run_serve(
    tmp_path: Path, env: dict[str, str]
) -> tuple[int, str, str, tuple[int, dict] | None]:
    """`patronguard serve` until it is listening (then /healthz, then SIGTERM) or it exits."""
    port = closed_port()
    process = await asyncio.create_subprocess_exec(
        *serve_command(starter_config(tmp_path), tmp_path / "pg.db", port),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    health: tuple[int, dict] | None = None
    try:
        first = await asyncio.wait_for(process.stdout.readline(), START_LIMIT)
        if first.startswith(b"PatronGuard listening"):
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{port}/healthz") as answer,
            ):
                health = answer.status, await answer.json()
            process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), START_LIMIT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode or 0, (first + out).decode(), err.decode(), health


async def test_serve_says_which_channels_are_on_and_bolt_stays_quiet(tmp_path):
    async with SlackStandIn(token=BOT_TOKEN) as slack:
        env = clean_environment(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url,
        )
        code, out, err, health = await run_serve(tmp_path, env)
        assert [c.method for c in slack.calls] == ["auth.test"]
    assert code == 0 and out.startswith("PatronGuard listening on http://127.0.0.1:")
    assert health is not None and health[0] == 200, health
    for line in (
        "INFO patronguard.server Slack: on (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set)",
        "INFO patronguard.server Teams: off (MICROSOFT_APP_ID is not set)",
        "INFO patronguard.server Email fallback: off (the config has no email section)",
        "INFO patronguard.server Webhook fallback: off (the config has no webhook section)",
    ):
        assert line in err
    assert "`token` will be unused" not in err and "Bolt reported a problem" not in err
    assert BOT_TOKEN not in err + out and SIGNING_SECRET not in err + out


async def test_serve_with_a_token_slack_refuses_exits_before_listening(tmp_path):
    wrong = "xoxb-1-well-formed-but-not-this-app"
    async with SlackStandIn(token=BOT_TOKEN) as slack:
        env = clean_environment(
            SLACK_BOT_TOKEN=wrong,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url,
        )
        code, out, err, health = await run_serve(tmp_path, env)
        assert [c.method for c in slack.rejected] == ["auth.test"]
    assert code == 1 and health is None and "PatronGuard listening" not in out
    assert "Error: Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the Bot User" in err
    assert wrong not in err and "Traceback" not in err
