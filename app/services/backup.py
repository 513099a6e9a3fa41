"""Backups: a consistent online copy of the SQLite database, and restoring one.

SQLite's backup API copies a live database page by page under its own locking, so the app can
keep serving while it runs. PostgreSQL has its own tools; we say which command to use.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import make_url

from .errors import CrmError


class BackupUnsupported(CrmError):
    pass


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupUnsupported(postgres_hint(database_url))
    if not url.database or url.database == ":memory:":
        raise BackupUnsupported(_l("An in-memory database cannot be backed up."))
    return Path(url.database)


def postgres_hint(database_url: str) -> str:
    url = make_url(database_url).set(drivername="postgresql")
    safe = url.render_as_string(hide_password=True)
    return str(_l(
        "This database is PostgreSQL: back it up with pg_dump (e.g. pg_dump --format=custom "
        "--file=crm.dump '%(url)s') and restore with pg_restore --clean --dbname '%(url)s' crm.dump.",
        url=safe,
    ))


def backup(database_url: str, destination: Path | None, backup_dir: Path) -> Path:
    """Write a consistent copy of the live database; return its path."""
    source = sqlite_path(database_url)
    if destination is None:
        backup_dir.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        destination = backup_dir / f"crm-{stamp}.sqlite"
    destination.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(destination) as dst:
        src.backup(dst, pages=4096)
    return destination


def restore(database_url: str, backup_file: Path) -> None:
    """Replace the live database's content with a backup (stop the app first)."""
    target = sqlite_path(database_url)
    if not backup_file.is_file():
        raise CrmError(_l("No backup file at %(path)s.", path=str(backup_file)))
    with sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True) as src:
        try:
            ok = src.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            has_schema = src.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
            ).fetchone()
        except sqlite3.DatabaseError:
            ok, has_schema = False, None
        if not ok or not has_schema:
            raise CrmError(_l("%(path)s is not a Reservoir CRM backup.", path=str(backup_file)))
        with sqlite3.connect(target) as dst:
            src.backup(dst)
