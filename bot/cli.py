"""The `patronguard` command.

Only click and plain constants are imported here; each command imports what it needs when it
runs, so `--help` and light commands never pay for pydantic, SQLite or the chat SDKs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.formats import REPORT_FORMATS, TRANSPARENCY_STRUCTURES
from bot.scenarios import SCENARIO_NAMES

if TYPE_CHECKING:
    from datetime import datetime

    from bot.config import Settings
    from handlers.services import Services
    from playbooks.yamlfile import Problem

DB_OPTION = click.option(
    "--db",
    "db_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database file (default: $PATRONGUARD_DB, the config's, or ./patronguard.db).",
)
CONFIG_OPTION = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, readable=True, path_type=Path),
    help="Config file (default: $PATRONGUARD_CONFIG, else ./patronguard.yaml).",
)


def load_settings_or_exit(config_file: Path | None) -> Settings:
    """The validated config, or exit with one line saying what is wrong and what to do."""
    from bot import config as cfg
    from playbooks.yamlfile import FileProblems, suggest_keys

    path = resolve_config(config_file)
    try:
        return cfg.load_settings(path)
    except FileProblems as exc:
        from bot.checks import config_file_problem  # the checks load only when there is a problem

        problems = suggest_keys(exc.problems, cfg.Settings)
        first = config_file_problem(path, problems[0])
        raise click.ClickException(problems_line(first, len(problems), path)) from None


def problems_line(first: Problem | str, count: int, config: Path) -> str:
    """The first problem, and if there are more, how many and where to see them, in one line."""
    if count == 1:
        return str(first)
    return (
        f"{first} (and {count - 1} more); run `patronguard check --config {config}` to see "
        "every problem and its fix"
    )


def resolve_config(config_file: Path | None) -> Path:
    from bot.config import config_path

    return config_path(config_file) or Path("patronguard.yaml")


def settings_for_records(config_file: Path | None, db_file: Path | None) -> Settings | None:
    """The config for report and purge; None when only a database was given (no config)."""
    from bot import config as cfg

    given_db = db_file or os.environ.get("PATRONGUARD_DB")
    if given_db and cfg.config_path(config_file) is None and not resolve_config(None).exists():
        return None
    return load_settings_or_exit(config_file)


def check_database_folder(path: Path, fix: str = "check --db or PATRONGUARD_DB") -> None:
    """A database in a folder that does not exist is a mistyped path, not a new database."""
    if not path.parent.is_dir():
        raise click.ClickException(f"there is no folder {path.parent} for the database; {fix}")


@click.group()
@click.version_option(package_name="patronguard")
def cli() -> None:
    """PatronGuard: help library staff handle demands for patron records.

    Example:

        patronguard init && patronguard check && patronguard serve
    """


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="patronguard.yaml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter config file to PATH (default ./patronguard.yaml).

    Example:

        patronguard init && $EDITOR patronguard.yaml
    """
    from bot.config import STARTER_CONFIG
    from bot.files import CannotWrite, write_text

    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists; use --force to overwrite it")
    try:
        write_text(path, STARTER_CONFIG.read_text(encoding="utf-8"))
    except CannotWrite as exc:
        raise click.ClickException(str(exc)) from None
    check = "patronguard check" + ("" if path == Path("patronguard.yaml") else f" --config {path}")
    click.echo(f"Wrote {path}. Edit the library and officers, then run `{check}`.")


@cli.command()
@CONFIG_OPTION
def check(config_file: Path | None) -> None:
    """Validate the config and playbooks; list every problem at once (exit 1 if any).

    Example:

        patronguard check --config /etc/patronguard/patronguard.yaml
    """
    from bot.checks import check_problems

    path = resolve_config(config_file)
    errors, warnings = check_problems(path, os.environ)
    for error in errors:
        click.secho(f"error: {error}", fg="red")
    for warning in warnings:
        click.secho(f"warning: {warning}", fg="yellow")
    if errors:
        if len(errors) > 1:  # one problem needs no count
            click.echo(f"{len(errors)} problem(s) to fix; run `patronguard check` again after.")
        sys.exit(1)
    click.secho(f"{path}: OK" + (f" ({len(warnings)} warning(s))" if warnings else ""), fg="green")


@cli.command()
@click.option(
    "--scenario",
    type=click.Choice(SCENARIO_NAMES),
    help="Run one scenario unattended; exit 1 if anything fails.",
)
@click.option(
    "--db",
    "db_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the demo database here (default: a temporary file, deleted after).",
)
def demo(scenario: str | None, db_file: Path | None) -> None:
    """Show the whole job in the terminal, on a sample library, with no accounts.

    Example:

        patronguard demo --scenario warrant
    """
    import tempfile

    from bot.config import load_default_settings
    from bot.demo import DemoStopped, run_demo
    from storage.db import StorageUnavailable

    settings = load_default_settings()
    try:
        if db_file is not None:
            check_database_folder(db_file, "create it, or leave out --db for a temporary one")
            failures = run_demo(settings, db_file, scenario)
        else:
            with tempfile.TemporaryDirectory() as folder:
                failures = run_demo(settings, Path(folder) / "demo.db", scenario)
    except DemoStopped:
        click.echo("\nDemo stopped. Nothing was sent to anyone: it is a drill on a sample library.")
        sys.exit(130)
    except StorageUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    if failures:
        click.secho(f"Demo failed: {len(failures)} check(s) did not hold.", fg="red", err=True)
        sys.exit(1)
    click.secho("Demo complete.", fg="green")


@cli.command()
@CONFIG_OPTION
@click.option("--format", "fmt", type=click.Choice(("md", "html")), default="md", show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of printing.",
)
def playbook(config_file: Path | None, fmt: str, out: Path | None) -> None:
    """Print the whole procedure for counsel: every line staff and officers read, beside its
    sources, with your own playbook files layered on and named.

    Without a config file it prints the built-in procedure only.

    Example:

        patronguard playbook --format html --out procedure.html
    """
    from bot import config as cfg
    from bot.playbook_export import render_procedure
    from playbooks.model import load_playbook
    from playbooks.yamlfile import FileProblems

    path = resolve_config(config_file)
    if path.is_file() or config_file is not None:
        settings = load_settings_or_exit(config_file)
    else:
        click.echo(f"No config at {path}: printing the built-in procedure only.", err=True)
        settings = cfg.load_default_settings().model_copy(
            update={"library": cfg.Library(name="your library"), "playbooks": []}
        )
    try:
        procedure = load_playbook(list(settings.playbooks))
    except FileProblems as exc:
        for problem in exc.problems:
            click.secho(str(problem), fg="red", err=True)
        sys.exit(1)
    text = render_procedure(procedure, settings, fmt)
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {out}.")


@cli.command()
@CONFIG_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=3000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--socket-mode",
    is_flag=True,
    help="Connect to Slack over Socket Mode (needs SLACK_APP_TOKEN; no public URL).",
)
@click.option(
    "--teams-emulator",
    is_flag=True,
    help="Serve Teams to a Bot Framework Emulator on this machine, unauthenticated "
    "(local testing only; not with MICROSOFT_APP_ID).",
)
@DB_OPTION
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    envvar="PATRONGUARD_LOG_FORMAT",
    help="json: one JSON object per line, for log collectors. Never holds personal data.",
)
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
    envvar="PATRONGUARD_LOG_LEVEL",
)
def serve(
    config_file: Path | None,
    host: str,
    port: int,
    socket_mode: bool,
    teams_emulator: bool,
    db_file: Path | None,
    log_format: str,
    log_level: str,
) -> None:
    """Run the bot: Slack at POST /slack/events, Teams at POST /api/messages, GET /healthz.

    Slack is on when its variables are set, Teams when MICROSOFT_APP_ID is; the first log
    lines say which channels are on and why. The pager runs inside the server.

    Example:

        SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... patronguard serve --port 3000
    """
    from bot.config import database_path
    from bot.logging_setup import configure
    from bot.server import StartupError, create_app, run
    from playbooks.yamlfile import FileProblems
    from storage.db import StorageUnavailable

    if teams_emulator and os.environ.get("MICROSOFT_APP_ID", "").strip():
        # Both would mean two opposite things: authentication off, and on.
        raise click.UsageError(
            "--teams-emulator serves Teams without authentication, for local testing, but "
            "MICROSOFT_APP_ID is set: drop --teams-emulator to serve Teams with authentication"
        )
    if teams_emulator and host not in ("127.0.0.1", "localhost", "::1"):
        # Unauthenticated Teams on an address others can reach would take forged messages.
        raise click.UsageError(
            f"--teams-emulator serves Teams without authentication, so it listens on this "
            f"machine only: drop --host {host}"
        )
    settings = load_settings_or_exit(config_file)
    configure(log_format, log_level)
    try:
        app = create_app(
            settings,
            database_path(settings, db_file),
            os.environ,
            socket_mode=socket_mode,
            teams=True if teams_emulator else None,
        )
    except FileProblems as exc:
        raise click.ClickException(
            problems_line(exc.problems[0], len(exc.problems), resolve_config(config_file))
        ) from None
    except (StartupError, StorageUnavailable) as exc:
        raise click.ClickException(str(exc)) from None

    def listening() -> None:
        click.echo(f"PatronGuard listening on http://{host}:{port} (health: /healthz)")

    try:
        run(app, host, port, ready=listening)  # cuts off clients whose request headers are slow
    except StartupError as exc:  # raised while starting up, e.g. Slack refused the bot token
        raise click.ClickException(str(exc)) from None


@cli.command()
@CONFIG_OPTION
@DB_OPTION
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
def purge(config_file: Path | None, db_file: Path | None, dry_run: bool) -> None:
    """Delete closed cases, drills and demand-log rows past their retention, for real.

    Cases on legal hold are kept until an officer releases the hold. `serve` runs this on
    its own every `retention.purge_every`. Given only --db (or PATRONGUARD_DB) and no config
    file, the default retention applies, and it says so.

    Example:

        patronguard purge --dry-run
    """
    import asyncio

    from bot.no_config import purge_note, settings_without_config
    from handlers.retention import ON_DEMAND, purge_expired

    settings = settings_for_records(config_file, db_file)
    no_config = settings is None
    settings = settings or settings_without_config()
    services = open_services(settings, db_file, config_file)
    if no_config:  # said once the database opened, so an error stays the only line
        click.secho(purge_note(settings), fg="yellow", err=True)
    try:
        plan = asyncio.run(purge_expired(services, dry_run=dry_run, pace=ON_DEMAND))
    finally:
        services.store.close()
    verb = "Would remove" if dry_run else "Removed"
    click.echo(
        f"{verb}: {plan.case_total} closed case(s), {plan.drill_total} drill(s), "
        f"{plan.demands} demand-log row(s) past retention."
    )
    for case_id in plan.cases + plan.drills:
        click.echo(f"  {case_id}")
    if plan.unlisted:
        click.echo(f"  and {plan.unlisted} more")
    if plan.held:
        click.echo(f"Kept on legal hold: {', '.join(plan.held)}")


@cli.command()
@CONFIG_OPTION
@DB_OPTION
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    help="First day, YYYY-MM-DD (default: a year before --until).",
)
@click.option(
    "--until",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Day after the last, YYYY-MM-DD (default: tomorrow).",
)
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="md", show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of printing (missing folders are created).",
)
@click.option(
    "--transparency",
    is_flag=True,
    help="A form fit to publish: national-security process only as ranges, no demand log.",
)
@click.option(
    "--structure",
    type=click.Choice(TRANSPARENCY_STRUCTURES),
    help="With --transparency, which structure of 50 U.S.C. 1874(a) to follow: NSLs and FISA "
    "orders separately in bands of 1000 or 500 by half-year, or combined in bands of 250 by "
    "half-year or 100 by year.",
)
@click.option(
    "--drills",
    is_flag=True,
    help="Instead: how drills went (time to acknowledge per officer, steps done), in --format.",
)
def report(
    config_file: Path | None,
    db_file: Path | None,
    since: datetime | None,
    until: datetime | None,
    fmt: str,
    out: Path | None,
    transparency: bool,
    structure: str | None,
    drills: bool,
) -> None:
    """Counts of records requests and the unauthorized-demand log, for officers.

    Counts by month, by who asked, by what was presented and by outcome, the list of
    unauthorized demands (date, kinds, records sought, outcome: never a person), and for the
    board: legal process received by kind, response dates met and missed, releases by kind of
    record, preservations placed and lapsed. Drills and restricted matters are left out.

    With --transparency and a --structure, a form fit to publish: national-security process
    as the ranges 50 U.S.C. 1874(a) permits, by whole half-years or years (by default the
    last one that has ended), and every other request counted exactly.
    Given only --db (or PATRONGUARD_DB), no config file is needed.

    Example:

        patronguard report --since 2026-01-01 --until 2027-01-01 --format html --out report.html

    Example, to publish:

        patronguard report --transparency --structure 250
    """
    import asyncio
    from datetime import date, datetime, timedelta

    from bot.drill_formats import render_drills
    from bot.files import CannotWrite, write_text
    from bot.no_config import report_note, settings_without_config
    from bot.publishing import before_publishing, transparency_period
    from bot.report_formats import render_report
    from handlers.reports import build_report, drill_summary
    from storage.timefmt import to_text

    if structure and not transparency:
        raise click.UsageError("--structure goes with --transparency: add --transparency")
    if transparency and not structure:
        raise click.UsageError(
            "--transparency needs the structure of 50 U.S.C. 1874(a) the library follows: "
            "add --structure 1000, 500, 250 or 100 (counsel chooses)"
        )
    if transparency and drills:
        raise click.UsageError("--drills and --transparency are two different reports: pick one")
    end = until.date() if until else date.today() + timedelta(days=1)
    start = since.date() if since else end - timedelta(days=366)
    if start >= end:
        raise click.BadParameter("--since must be before --until", param_hint="--since")
    if structure:
        start, end = transparency_period(structure, since, until)
    settings = settings_for_records(config_file, db_file)
    no_config = settings is None
    settings = settings or settings_without_config()
    services = open_services(settings, db_file, config_file)
    if no_config:  # said once the database opened, so an error stays the only line
        click.secho(report_note(), fg="yellow", err=True)
    try:
        if drills:
            zone = services.settings.library.zone
            bounds = [to_text(datetime.combine(d, datetime.min.time(), zone)) for d in (start, end)]
            summary = asyncio.run(drill_summary(services, since=bounds[0], until=bounds[1]))
            text = render_drills(
                summary, fmt, library=settings.library.name, since=start, until=end
            )
        else:
            data = asyncio.run(
                build_report(
                    services, since=start.isoformat(), until=end.isoformat(), structure=structure
                )
            )
            text = render_report(data, fmt)
            if data.national_security is not None:
                for line in before_publishing(data.national_security, date.today()):
                    click.secho(line, fg="yellow", err=True)
    finally:
        services.store.close()
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        write_text(out, text)
    except CannotWrite as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wrote {out}.")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@CONFIG_OPTION
@DB_OPTION
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def backup(file: Path, config_file: Path | None, db_file: Path | None, force: bool) -> None:
    """Copy the database to FILE with SQLite's online backup; safe while serve runs.

    The copy is checked (PRAGMA integrity_check) and readable by its owner only. A backup
    keeps what is later purged from the live database until the backup itself is deleted:
    rotate backups within your retention periods.

    Example:

        patronguard backup /var/backups/patronguard/$(date +%F).db
    """
    from bot.backup import BackupError, backup_database
    from bot.config import database_path

    explicit = db_file or os.environ.get("PATRONGUARD_DB")
    # With --db or PATRONGUARD_DB the config file is not needed (handy inside a container).
    source = Path(explicit) if explicit else database_path(load_settings_or_exit(config_file))
    try:
        result = backup_database(source, file, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Backed up {result.source} to {result.target} ({result.size_bytes // 1024 or 1} KiB, "
        f"integrity check {result.integrity}, readable by its owner only)."
    )
    click.secho(
        "This backup keeps what is later purged from the live database, until the backup "
        "itself is deleted: rotate backups within your retention periods.",
        fg="yellow",
    )


def open_services(settings: Settings, db_file: Path | None, config_file: Path | None) -> Services:
    """Services for a one-off command, with one-line errors for playbook and database problems."""
    from bot.config import database_path
    from bot.runtime import build_services
    from playbooks.yamlfile import FileProblems
    from storage.db import StorageUnavailable

    path = database_path(settings, db_file)
    check_database_folder(path)
    try:
        return build_services(settings, path)
    except FileProblems as exc:
        raise click.ClickException(
            problems_line(exc.problems[0], len(exc.problems), resolve_config(config_file))
        ) from None
    except StorageUnavailable as exc:
        raise click.ClickException(str(exc)) from None


@cli.group()
def manifest() -> None:
    """Print the app manifest IT pastes into a chat platform to create the PatronGuard app.

    Example:

        patronguard manifest slack --url https://patronguard.example.org
    """


@manifest.command("slack")
@click.option("--url", help="Public https address of `patronguard serve` (not for Socket Mode).")
@click.option("--socket-mode", is_flag=True, help="No public URL: the app connects out to Slack.")
@click.option(
    "--command", "command", default="/records-request", show_default=True, help="Slash command."
)
def manifest_slack(url: str | None, socket_mode: bool, command: str) -> None:
    """Print the Slack app manifest (YAML): scopes, slash command, shortcut, events, App Home.

    Paste it at api.slack.com/apps → Create New App → From a manifest.

    Example:

        patronguard manifest slack --url https://patronguard.example.org > slack-manifest.yaml
    """
    from bot.slack.manifest import slack_manifest_yaml

    try:
        text = slack_manifest_yaml(request_url=url, socket_mode=socket_mode, command=command)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(text, nl=False)


@manifest.command("teams")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--app-id", help="The bot's Microsoft App ID (default: $MICROSOFT_APP_ID).")
@CONFIG_OPTION
@click.option(
    "--website-url",
    help="https page about PatronGuard at your library (default: teams.website_url in the config).",
)
@click.option("--privacy-url", help="Your privacy statement (default: the website URL).")
@click.option("--terms-url", help="Your terms of use (default: the website URL).")
@click.option("--developer", default="PatronGuard", show_default=True, help="Publisher name.")
@click.option("--package-version", default="1.0.0", show_default=True, help="Raise per upload.")
def manifest_teams(
    out: Path,
    app_id: str | None,
    config_file: Path | None,
    website_url: str | None,
    privacy_url: str | None,
    terms_url: str | None,
    developer: str,
    package_version: str,
) -> None:
    """Write the Teams app package (manifest.json and icons, zipped) to upload in Teams.

    Upload it in Teams → Apps → Manage your apps → Upload an app (or in the Teams admin center).

    Example:

        patronguard manifest teams --out app.zip
    """
    from bot.files import CannotWrite, make_folder_for
    from bot.teams.package import teams_manifest, write_teams_package
    from handlers.commands import COMMAND_MENU

    bot_id = app_id or os.environ.get("MICROSOFT_APP_ID", "")
    if not bot_id.strip():
        raise click.UsageError("Give the bot's Microsoft App ID: --app-id or MICROSOFT_APP_ID.")
    website_url = website_url or load_settings_or_exit(config_file).teams.website_url
    if not website_url:
        raise click.UsageError(
            "Teams needs your library's https web address for the app's about, privacy and "
            "terms links: set teams.website_url in patronguard.yaml or give --website-url."
        )
    try:
        built = teams_manifest(
            app_id=bot_id,
            version=package_version,
            developer_name=developer,
            website_url=website_url,
            privacy_url=privacy_url or website_url,
            terms_url=terms_url or website_url,
            commands=list(COMMAND_MENU),
        )
        make_folder_for(out)
        write_teams_package(out, built)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except CannotWrite as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"Wrote {out}. Upload it in Teams: Apps → Manage your apps → Upload an app.")


def main() -> None:
    cli(prog_name="patronguard")
