"""`flask --app run crm migrate-db --to postgresql://…`: move this CRM from SQLite to PostgreSQL."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("migrate-db")
@click.option("--to", "to_url", required=True, metavar="URL",
              help="The PostgreSQL database to copy into, e.g. postgresql://crm@127.0.0.1:5432/crm.")
@click.option("--force", is_flag=True, help="Replace everything the target database holds.")
@with_appcontext
def migrate_db_command(to_url: str, force: bool) -> None:
    """Copy this database (DATABASE_URL, normally SQLite) into PostgreSQL, then switch DATABASE_URL.

    Stop the app first: writes made after the copy started are not carried over. The copy runs in
    one PostgreSQL transaction: on any error the target keeps only its empty schema.
    """
    from app.services.migrate_db import MigrateError, migrate

    try:
        report = migrate(to_url, force=force, progress=click.echo)
    except MigrateError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Copied {report.rows:,} rows in {len(report.tables)} tables into {report.target} "
               f"in {report.seconds:.1f} s; every table's row count matches the source.")
    click.echo(f"Next: set DATABASE_URL to {report.target} and start the app "
               "(`make serve-prod`).")


def register(group) -> None:
    group.add_command(migrate_db_command)
