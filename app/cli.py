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

    result = initialise(os.environ.get("CRM_ADMIN_PASSWORD"))
    click.echo("Database is up to date; roles and permissions are in sync.")
    if result.admin_created and result.admin_password:
        click.echo(f"Created user '{ADMIN_USERNAME}' with password: {result.admin_password}")
        click.echo("This password is shown only once. Change it after logging in.")
    elif result.admin_created:
        click.echo(f"Created user '{ADMIN_USERNAME}' with the password from CRM_ADMIN_PASSWORD.")


@crm.command("demo")
@click.option("--leads", default=2000, show_default=True, help="How many leads to generate.")
@click.option("--accounts", default=300, show_default=True, help="How many accounts to generate.")
@click.option("--seed", default=42, show_default=True, help="Random seed, for repeatable data.")
@with_appcontext
def demo_command(leads: int, accounts: int, seed: int) -> None:
    """Fill the database with a realistic Chinese/English demo data set."""
    from app.services.demo import DemoSize, generate

    started = time.perf_counter()
    password = os.environ.get("CRM_DEMO_PASSWORD") or "demo-Passw0rd"
    report = generate(DemoSize(leads=leads, accounts=accounts), password=password, seed=seed)
    for name, count in report.items():
        click.echo(f"{name:>14}: {count:,}")
    click.echo(f"Done in {time.perf_counter() - started:.1f} s. Demo users' password: {password}")


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
