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
    from app.services.first_run import is_pending, open_first_run

    if (open_first_run() if result.admin_created else is_pending()):
        port = os.environ.get("CRM_PORT", "5000")
        click.echo(f"Next: log in as '{ADMIN_USERNAME}' and finish the first-run setup (company, departments, "
                   f"users, import) at http://127.0.0.1:{port}/first-run/")


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
    from app.services.errors import ValidationFailed

    password = os.environ.get("CRM_DEMO_PASSWORD")
    generated = not password
    if generated:
        password = _demo_password()
    elif password_problem(password):
        raise click.UsageError(f"CRM_DEMO_PASSWORD is too weak: {password_problem(password)}")
    started = time.perf_counter()
    try:
        report = generate(DemoSize(leads=leads, accounts=accounts, **more), password=password, seed=seed)
    except ValidationFailed as exc:  # nothing was written
        raise click.ClickException(str(exc.message)) from exc
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


@crm.command("scheduler")
@click.option("--once", is_flag=True, help="Run what is due now and exit (for cron).")
@click.option("--job", default=None, help="Only this job.")
@click.option("--force", is_flag=True, help="Run the job(s) now even if not due yet.")
@with_appcontext
def scheduler_command(once: bool, job: str | None, force: bool) -> None:
    """Run scheduled jobs: pool reclaim and purge daily, event and webhook queues every minute."""
    from app.services import scheduler

    if not once:
        click.echo("Jobs, their last run and next run (use --once to run what is due):")
        for row in scheduler.status():
            click.echo(f"  {row.name:<18} next {row.next_run_at:%Y-%m-%d %H:%M} UTC · "
                       f"last {row.last_status or '-'} {row.last_message or ''}")
        return
    for run in scheduler.run_due(only=job, force=force):
        click.echo(f"{run.job}: {run.status} {run.message}")


@crm.command("webhooks-deliver")
@click.option("--limit", default=100, show_default=True, help="Most deliveries to attempt.")
@with_appcontext
def webhooks_deliver_command(limit: int) -> None:
    """Derive new events from history, then send the webhook deliveries that are due."""
    from app.services.events import process_new_history
    from app.services.webhooks import deliver_due

    click.echo(f"New events: {process_new_history()}. Deliveries attempted: {deliver_due(limit=limit)}.")


@crm.command("pool-reclaim")
@with_appcontext
def pool_reclaim_command() -> None:
    """Return neglected accounts to the public pool (idempotent; safe to run from cron)."""
    from app.services.reclaim import reclaim

    click.echo(f"Reclaimed {reclaim()} accounts to the public pool.")


@crm.command("forecast-snapshot")
@with_appcontext
def forecast_snapshot_command() -> None:
    """Store this month's sales forecast 销售预测 so later months can compare it with what was won."""
    from app.services.analytics.forecast import snapshot_job

    click.echo(snapshot_job())


from app.cli_transfer import register as _register_transfer  # noqa: E402  (crm import / crm export)

_register_transfer(crm)
from app.cli_migrate import register as _register_migrate  # noqa: E402  (crm migrate-db)

_register_migrate(crm)
