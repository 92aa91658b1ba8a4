"""The `patronguard` command."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from bot import config as cfg
from bot.checks import check_problems
from playbooks.yamlfile import FileProblems

CONFIG_OPTION = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: $PATRONGUARD_CONFIG, else ./patronguard.yaml).",
)


def load_settings_or_exit(config_file: Path | None) -> cfg.Settings:
    path = resolve_config(config_file)
    try:
        return cfg.load_settings(path)
    except FileProblems as exc:
        for problem in exc.problems:
            click.secho(str(problem), fg="red", err=True)
        click.echo("Run `patronguard check` for details.", err=True)
        sys.exit(1)


def resolve_config(config_file: Path | None) -> Path:
    return cfg.config_path(config_file) or Path("patronguard.yaml")


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
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists; use --force to overwrite it")
    path.write_text(cfg.STARTER_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    click.echo(f"Wrote {path}. Edit the library and officers, then run `patronguard check`.")


@cli.command()
@CONFIG_OPTION
def check(config_file: Path | None) -> None:
    """Validate the config and playbooks; list every problem at once (exit 1 if any).

    Example:

        patronguard check --config /etc/patronguard/patronguard.yaml
    """
    path = resolve_config(config_file)
    errors, warnings = check_problems(path, os.environ)
    for warning in warnings:
        click.secho(f"warning: {warning}", fg="yellow")
    for error in errors:
        click.secho(f"error: {error}", fg="red")
    if errors:
        click.echo(f"{len(errors)} problem(s) to fix in {path}.")
        sys.exit(1)
    click.secho(f"{path}: OK" + (f" ({len(warnings)} warning(s))" if warnings else ""), fg="green")


@cli.command()
@click.option(
    "--scenario",
    type=click.Choice(["verbal", "subpoena", "warrant", "gagged", "emergency", "threat"]),
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
    from bot.demo import run_demo

    settings = cfg.load_default_settings()
    if db_file is not None:
        failures = run_demo(settings, db_file, scenario)
    else:
        with tempfile.TemporaryDirectory() as folder:
            failures = run_demo(settings, Path(folder) / "demo.db", scenario)
    if failures:
        click.secho(f"Demo failed: {len(failures)} check(s) did not hold.", fg="red", err=True)
        sys.exit(1)
    click.secho("Demo complete.", fg="green")


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
    "--db",
    "db_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database file (default: $PATRONGUARD_DB, the config's, or ./patronguard.db).",
)
def serve(
    config_file: Path | None, host: str, port: int, socket_mode: bool, db_file: Path | None
) -> None:
    """Run the bot: Slack at POST /slack/events, Teams at POST /api/messages, GET /healthz.

    Slack is enabled when SLACK_BOT_TOKEN is set; the pager runs inside the server.

    Example:

        SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... patronguard serve --port 3000
    """
    import logging

    from aiohttp import web

    from bot.server import StartupError, create_app
    from storage.db import StorageUnavailable

    settings = load_settings_or_exit(config_file)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        app = create_app(
            settings, cfg.database_path(settings, db_file), os.environ, socket_mode=socket_mode
        )
    except (StartupError, StorageUnavailable, FileProblems) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"PatronGuard listening on http://{host}:{port} (health: /healthz)")
    web.run_app(app, host=host, port=port, print=None, shutdown_timeout=10)


@cli.command()
@CONFIG_OPTION
@click.option(
    "--db",
    "db_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database file (default: $PATRONGUARD_DB, the config's, or ./patronguard.db).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
def purge(config_file: Path | None, db_file: Path | None, dry_run: bool) -> None:
    """Delete closed cases, drills and demand-log rows past their retention, for real.

    Cases on legal hold are kept until an officer releases the hold. `serve` runs this on
    its own every `retention.purge_every`.

    Example:

        patronguard purge --dry-run
    """
    import asyncio

    from handlers.retention import purge_expired

    services = open_services(config_file, db_file)
    try:
        plan = asyncio.run(purge_expired(services, dry_run=dry_run))
    finally:
        services.store.close()
    verb = "Would remove" if dry_run else "Removed"
    click.echo(
        f"{verb}: {len(plan.cases)} closed case(s), {len(plan.drills)} drill(s), "
        f"{plan.demands} demand-log row(s) past retention."
    )
    for case_id in plan.cases + plan.drills:
        click.echo(f"  {case_id}")
    if plan.held:
        click.echo(f"Kept on legal hold: {', '.join(plan.held)}")


def open_services(config_file: Path | None, db_file: Path | None):
    """Services for a one-off command, with clear errors for config and database problems."""
    from bot.runtime import build_services
    from storage.db import StorageUnavailable

    settings = load_settings_or_exit(config_file)
    try:
        return build_services(settings, cfg.database_path(settings, db_file))
    except (FileProblems, StorageUnavailable) as exc:
        raise click.ClickException(str(exc)) from None


def main() -> None:
    cli(prog_name="patronguard")
