"""`flask --app run crm import FILE --entity lead …`, `crm import-recover` and `crm export --entity lead …`
(registered by app/cli.py)."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import with_appcontext

ENTITIES = ("lead", "account", "contact", "opportunity")


def _user(username: str | None):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import CrmUser

    if not username:
        return None
    user = db.session.scalar(select(CrmUser).where(CrmUser.username == username))
    if user is None or not user.active:
        raise click.UsageError(f"No active user called {username!r}.")
    return user


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--entity", type=click.Choice(ENTITIES), default="lead", show_default=True)
@click.option("--owner", "owner", default=None,
              help="User name: imports as this user (owner of new records, scope for updates). "
                   "Without it rows without an owner column go to the public pool.")
@click.option("--on-duplicate", type=click.Choice(("skip", "update", "create")), default="skip", show_default=True)
@click.option("--dry-run", is_flag=True, help="Check and count only; change nothing.")
@click.option("--show-errors", default=20, show_default=True, help="How many refused rows to list.")
@with_appcontext
def import_command(file: str, entity: str, owner: str | None, on_duplicate: str, dry_run: bool,
                   show_errors: int) -> None:
    """Import a CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX file of records."""
    from flask_babel import force_locale

    from app.services.errors import CrmError
    from app.services.importing import import_file

    user = _user(owner)
    started = time.perf_counter()
    with force_locale("en"), open(file, "rb") as handle:
        try:
            report, batch = import_file(entity, handle, file, user, on_duplicate=on_duplicate, dry_run=dry_run)
        except CrmError as error:
            raise click.ClickException(str(error.message)) from error
        elapsed = time.perf_counter() - started
        verb = "Would import" if dry_run else "Imported"
        click.echo(f"{verb} {entity}s from {file} in {elapsed:.1f} s"
                   + (f" (batch #{batch.id})" if batch is not None else "") + ":")
        for name in ("rows", "created", "updated", "skipped", "duplicates", "failed"):
            click.echo(f"  {name:>10}: {getattr(report, name):,}")
        for error in report.errors[:show_errors]:
            column = f" [{error['column']}]" if error["column"] else ""
            click.echo(f"  line {error['row']}{column}: {error['message']}")
        if report.failed > show_errors:
            click.echo(f"  … and {report.failed - show_errors:,} more refused rows")


@click.command("import-recover")
@click.option("--stale-minutes", type=float, default=None,
              help="Treat a running import as dead after this many minutes without a heartbeat "
                   "(default CRM_IMPORT_STALE_MINUTES). 0 takes back every running import: only when "
                   "you know no import is running.")
@with_appcontext
def import_recover_command(stale_minutes: float | None) -> None:
    """Take back imports whose process died mid-way (killed, out of memory, power loss)."""
    import datetime as dt

    from app.services.importing import recovery

    stale_after = None if stale_minutes is None else dt.timedelta(minutes=max(stale_minutes, 0))
    result = recovery.recover(stale_after=stale_after)
    for batch_id in result.interrupted:
        counts = result.counts[batch_id]
        click.echo(f"Import #{batch_id} interrupted: {counts['removed']:,} records removed, "
                   f"{counts['restored']:,} restored, {counts['kept']:,} changed since and kept.")
    for batch_id in result.failed:
        click.echo(f"Import #{batch_id} could not be taken back yet; see the log.", err=True)
    if not result.interrupted and not result.failed:
        click.echo("No interrupted imports.")
    if result.failed:
        sys.exit(1)


@click.command("export")
@click.option("--entity", type=click.Choice(("lead", "account", "contact", "opportunity", "activity", "note")),
              default="lead", show_default=True)
@click.option("--format", "fmt", type=click.Choice(("csv", "xlsx")), default="csv", show_default=True)
@click.option("--to", "target", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: standard output for CSV).")
@click.option("--as-user", "as_user", default=None, help="Export only what this user may see.")
@click.option("--language", type=click.Choice(("zh", "en")), default="zh", show_default=True)
@click.option("--view", "view_id", type=int, default=None,
              help="A saved view's id: export its filters, search and sort (one --as-user may open).")
@with_appcontext
def export_command(entity: str, fmt: str, target: str | None, as_user: str | None, language: str,
                   view_id: int | None) -> None:
    """Export every record of a type (or those a user may see) as CSV or XLSX."""
    from app.services import export
    from app.services.errors import CrmError

    user = _user(as_user)
    logged = {"cli": True, "as_user": as_user}
    if view_id is None:
        req = export.ExportRequest(entity=entity, user=user, format=fmt, door="system", language=language,
                                   filters=logged)
    elif user is None:
        raise click.UsageError("--view needs --as-user: a saved view is evaluated as the user who opens it.")
    else:
        try:
            req = export.request_for_list(entity, user, {}, view_id=view_id, fmt=fmt, door="system",
                                          language=language, logged=logged)
        except CrmError as error:
            raise click.ClickException(str(error.message)) from None
    if fmt == "xlsx":
        if not target:
            raise click.UsageError("XLSX needs --to FILE.")
        _path, rows = export.write_xlsx(req, target)
        click.echo(f"Wrote {rows:,} rows to {target}.", err=True)
        return
    out = open(target, "w", encoding="utf-8", newline="") if target else sys.stdout  # noqa: SIM115
    try:
        for chunk in export.stream_csv(req):
            out.write(chunk)
    finally:
        if target:
            out.close()
    if target:
        click.echo(f"Wrote {entity} export to {target}.", err=True)


def register(group) -> None:
    group.add_command(import_command)
    group.add_command(import_recover_command)
    group.add_command(export_command)
