"""`flask --app run crm …`: thin commands over the services."""

from __future__ import annotations

import os
import time

import click
from flask.cli import with_appcontext


@click.group(help="Reservoir CRM administration.")
def crm() -> None:
    pass


@crm.command("init")
@with_appcontext
def init_command() -> None:
    """Apply migrations, sync roles and permissions, create the first admin. Safe to repeat."""
    from app.services.setup import ADMIN_USERNAME, initialise

    try:
        result = initialise(os.environ.get("CRM_ADMIN_PASSWORD"))
    except ValueError as exc:  # e.g. a CRM_ADMIN_PASSWORD that fails the password policy
        raise click.ClickException(str(exc)) from exc
    click.echo("Database is up to date; roles and permissions are in sync.")
    if result.admin_created and result.admin_password:
        click.echo(f"Created user '{ADMIN_USERNAME}' with password: {result.admin_password}")
        click.echo("This password is shown only once. Change it after logging in.")
    elif result.admin_created:
        click.echo(f"Created user '{ADMIN_USERNAME}' with the password from CRM_ADMIN_PASSWORD.")


@crm.command("demo")
@click.option("--leads", default=2000, show_default=True, help="How many leads to generate.")
@click.option("--accounts", default=300, show_default=True, help="How many accounts to generate.")
@click.option("--contacts", type=int, default=None, help="Default: 1.5 per account.")
@click.option("--opportunities", type=int, default=None, help="Default: 1.5 per account.")
@click.option("--activities", type=int, default=None, help="Default: as many as leads.")
@click.option("--notes", type=int, default=None, help="Default: one per five leads.")
@click.option("--seed", default=42, show_default=True, help="Random seed, for repeatable data.")
@with_appcontext
def demo_command(leads: int, accounts: int, seed: int, **more: int | None) -> None:
    """Fill the database with a realistic Chinese/English demo data set."""
    from app.security.passwords import password_problem
    from app.services.demo import DemoSize, generate

    password = os.environ.get("CRM_DEMO_PASSWORD")
    generated = not password
    if generated:
        password = _demo_password()
    elif password_problem(password):
        raise click.UsageError(f"CRM_DEMO_PASSWORD is too weak: {password_problem(password)}")
    started = time.perf_counter()
    report = generate(DemoSize(leads=leads, accounts=accounts, **more), password=password, seed=seed)
    for name, count in report.items():
        click.echo(f"{name:>14}: {count:,}")
    click.echo(f"Done in {time.perf_counter() - started:.1f} s.")
    if generated:
        click.echo(f"Demo users (director, manager_east, rep_east1, service1, executive, …) have the "
                   f"password: {password}")
        click.echo("This password is shown only once.")
    else:
        click.echo("Demo users have the password from CRM_DEMO_PASSWORD.")


def _demo_password() -> str:
    """A random password that passes our own policy (a short token sometimes lacks a digit)."""
    import secrets

    from app.security.passwords import password_problem

    while True:
        candidate = secrets.token_urlsafe(9)
        if password_problem(candidate) is None:
            return candidate


@crm.command("purge")
@click.option("--days", type=int, default=None, help="Retention; default CRM_RECYCLE_RETENTION_DAYS (60).")
@with_appcontext
def purge_command(days: int | None) -> None:
    """Permanently delete records that have been in the recycle bin longer than the retention."""
    from flask import current_app

    from app.extensions import db
    from app.services.recycle_bin import purge

    days = current_app.config["CRM_RECYCLE_RETENTION_DAYS"] if days is None else days
    counts = purge(db.session, days)
    click.echo(f"Purged records deleted more than {days} days ago: " +
               ", ".join(f"{name} {count}" for name, count in counts.items()))


@crm.command("backup")
@click.option("--to", "destination", type=click.Path(dir_okay=False), default=None,
              help="File to write; default instance/backups/crm-<time>.sqlite.")
@with_appcontext
def backup_command(destination: str | None) -> None:
    """Consistent online backup of the SQLite database (safe while the app runs)."""
    from pathlib import Path

    from flask import current_app

    from app.services.backup import backup
    from app.services.errors import CrmError

    try:
        path = backup(current_app.config["SQLALCHEMY_DATABASE_URI"],
                      Path(destination) if destination else None,
                      Path(current_app.instance_path) / "backups")
    except CrmError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(f"Backup written to {path}")


@crm.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(backup_file: str, yes: bool) -> None:
    """Replace the database with a backup, then bring its schema up to date. Stop the app first."""
    from pathlib import Path

    from flask import current_app
    from flask_migrate import upgrade

    from app.extensions import db
    from app.services.backup import restore
    from app.services.errors import CrmError

    if not yes:
        click.confirm("This replaces every record in the database with the backup. Continue?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(backup_file))
    except CrmError as error:
        raise click.ClickException(str(error.message)) from None
    upgrade()
    click.echo(f"Restored {backup_file}.")


@crm.command("handover")
@click.argument("from_username")
@click.argument("to_username", required=False)
@click.option("--to-pool", is_flag=True, help="Give leads and accounts back to the public pool.")
@with_appcontext
def handover_command(from_username: str, to_username: str | None, to_pool: bool) -> None:
    """Move all records of a departing user to another user (or the pool) and deactivate them."""
    from app.extensions import db
    from app.models import CrmUser
    from app.services.errors import CrmError
    from app.services.handover import handover

    def find(username):
        user = db.session.scalar(db.select(CrmUser).where(CrmUser.username == username))
        if user is None:
            raise click.ClickException(f"No user '{username}'.")
        return user

    if bool(to_username) == to_pool:
        raise click.UsageError("Give a receiving user or --to-pool (one of them).")
    departing = find(from_username)
    receiver = find(to_username) if to_username else None
    try:
        report = handover(departing.id, receiver.id if receiver else None)
    except CrmError as error:
        raise click.ClickException(str(error.message)) from None
    moved = ", ".join(f"{name} {count}" for name, count in report.moved.items())
    click.echo(f"Moved: {moved}. {from_username} is {'now' if report.deactivated else 'already'} inactive.")


@crm.command("pool-reclaim")
@with_appcontext
def pool_reclaim_command() -> None:
    """Return neglected accounts to the public pool (idempotent; safe to run from cron)."""
    from app.services.reclaim import reclaim

    click.echo(f"Reclaimed {reclaim()} accounts to the public pool.")
