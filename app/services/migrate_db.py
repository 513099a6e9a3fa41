"""`crm migrate-db`: copy this CRM's database (normally SQLite) into a PostgreSQL database.

The target gets the schema from our own Alembic migrations (a database `crm init` or `flask db
upgrade` prepared is used as it is). Then, in ONE PostgreSQL transaction: every table is emptied,
copied in dependency order (COPY through psycopg, streamed; a plain executemany with any other
driver), the few foreign keys that point "forward" in that order are filled in afterwards, every
sequence is moved past the largest id, and each table's row count is compared with the source's.
Any failure rolls the whole copy back, so the target is left with its schema and no data, and the
command can simply be run again.

The source is read inside one read transaction (on SQLite, WAL gives a consistent snapshot even
while the app keeps running), but stop the app for the switch: writes made after the snapshot
are not copied.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from app.extensions import db

# never copied: the target's own migrations wrote it
SKIPPED_TABLES = {"alembic_version"}
# a target holding any of these (or more than the one admin `crm init` creates) is in use
RECORD_TABLES = ("lead", "account", "contact", "opportunity", "activity", "note", "ticket", "history",
                 "import_batch", "follow_up", "department")
BATCH_ROWS = 5_000


class MigrateError(Exception):
    """One clear sentence for the person at the terminal; nothing was written (or it was rolled back)."""


@dataclass
class TableCopy:
    name: str
    source_rows: int
    target_rows: int
    seconds: float


@dataclass
class MigrateReport:
    tables: list[TableCopy] = field(default_factory=list)
    seconds: float = 0.0
    target: str = ""

    @property
    def rows(self) -> int:
        return sum(t.target_rows for t in self.tables)


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// URLs use the psycopg 3 driver, as DATABASE_URL does."""
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _safe(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is reported by the caller
        return "(unreadable URL)"


def target_engine(url: str) -> Engine:
    url = normalise_url(url)
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise MigrateError(f"Not a database URL: {url!r}.") from exc
    if parsed.get_backend_name() != "postgresql":
        raise MigrateError("The target must be a PostgreSQL database (postgresql://user@host:port/name).")
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.SQLAlchemyError as exc:
        raise MigrateError(f"Cannot connect to {_safe(url)}: {_first_line(exc)}") from exc
    return engine


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _head(conn: Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _tables() -> list[sa.Table]:
    import warnings

    with warnings.catch_warnings():  # the department <-> user cycle is handled below
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        return [t for t in db.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def _forward_keys(tables: list[sa.Table]) -> dict[str, list[str]]:
    """Columns pointing at a table copied later (a cycle): copied as NULL, filled in at the end.

    Keys to the same table need nothing: one COPY is one statement, and PostgreSQL checks
    its foreign keys at the end of the statement.
    """
    position = {t.name: i for i, t in enumerate(tables)}
    forward: dict[str, list[str]] = {}
    for table in tables:
        for fk in table.foreign_keys:
            other = fk.column.table.name
            if other != table.name and position.get(other, -1) > position[table.name]:
                forward.setdefault(table.name, []).append(fk.parent.name)
    return forward


def upgrade_target(url: str) -> str | None:
    """Create (or bring up to date) the target's schema with our migrations; returns its head."""
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_url(url), "CRM_SCHEDULER": False,
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        try:
            upgrade()
            with db.engine.connect() as conn:
                return _head(conn)
        finally:
            db.session.remove()
            db.engine.dispose()


def target_rows(engine: Engine, tables: list[sa.Table]) -> dict[str, int]:
    names = set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {t.name: conn.scalar(sa.select(sa.func.count()).select_from(t))
                for t in tables if t.name in names}


def migrate(to_url: str, force: bool = False,
            progress: Callable[[str], None] | None = None) -> MigrateReport:
    """Copy the app's database into the PostgreSQL database at `to_url`. See the module text."""
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    source = db.engine
    target = target_engine(to_url)
    report = MigrateReport(target=_safe(normalise_url(to_url)))
    try:
        if source.url.get_backend_name() == "postgresql" and (
                source.url.render_as_string(hide_password=False)
                == target.url.render_as_string(hide_password=False)):
            raise MigrateError("The target is the database this app already uses.")
        tables = _tables()
        with source.connect() as src:
            source_head = _head(src)
        if source_head is None:
            raise MigrateError("The source database has no schema yet: run `crm init` on it first.")

        counts = target_rows(target, tables)
        held = {name: n for name, n in counts.items()
                if n and (name in RECORD_TABLES or (name == "ab_user" and n > 1))}
        if held and not force:
            sample = ", ".join(f"{name} {n:,}" for name, n in sorted(held.items())[:5])
            raise MigrateError(f"The target database already holds data ({sample}). "
                               "Use an empty database, or --force to replace everything in it.")

        say("Creating the schema on the target (migrations)…")
        try:
            target_head = upgrade_target(to_url)
        except Exception as exc:  # noqa: BLE001 - any migration failure is one message
            raise MigrateError(f"Could not create the schema on the target: {_first_line(exc)}") from exc
        if target_head != source_head:
            raise MigrateError(f"The source database is at migration {source_head} but the code is at "
                               f"{target_head}: run `crm init` on the source first.")

        _copy_all(source, target, tables, report, say)
    finally:
        target.dispose()
    report.seconds = time.perf_counter() - started
    return report


def _copy_all(source: Engine, target: Engine, tables: list[sa.Table], report: MigrateReport,
              say: Callable[[str], None]) -> None:
    forward = _forward_keys(tables)
    target_names = set(sa.inspect(target).get_table_names())
    missing = [t.name for t in tables if t.name not in target_names]
    if missing:
        raise MigrateError(f"The target lacks tables {', '.join(missing)} after migrating.")
    with source.connect() as src, target.connect() as dst:
        if src.dialect.name == "sqlite":
            # one read transaction: every table from the same snapshot (WAL), writers not blocked
            src.exec_driver_sql("BEGIN")
        src_names = set(sa.inspect(src).get_table_names())
        trans = dst.begin()
        try:
            # the analytics summaries are copied with the rest: their triggers (migration 0025) stay idle
            dst.exec_driver_sql("SET LOCAL crm.analytics_rollup = 'off'")
            quoted = ", ".join(dst.dialect.identifier_preparer.quote(t.name) for t in tables)
            dst.exec_driver_sql(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
            late: dict[str, list[tuple]] = {}
            for table in tables:
                t0 = time.perf_counter()
                if table.name not in src_names:
                    raise MigrateError(f"The source lacks table {table.name}: run `crm init` on it first.")
                expected = src.scalar(sa.select(sa.func.count()).select_from(table))
                written = _copy_table(src, dst, table, forward.get(table.name, []), late)
                report.tables.append(TableCopy(table.name, expected, written, time.perf_counter() - t0))
                if expected:
                    say(f"{table.name:>28}: {written:>10,} rows  {time.perf_counter() - t0:6.1f} s")
            _fill_forward_keys(dst, tables, forward, late)
            _reset_sequences(dst, tables)
            wrong = []
            for copied in report.tables:
                table = db.metadata.tables[copied.name]
                copied.target_rows = dst.scalar(sa.select(sa.func.count()).select_from(table))
                if copied.target_rows != copied.source_rows:
                    wrong.append(f"{copied.name} {copied.source_rows} → {copied.target_rows}")
            if wrong:
                raise MigrateError("Row counts differ after copying: " + "; ".join(wrong)
                                   + ". Nothing was kept.")
            trans.commit()
        except MigrateError:
            trans.rollback()
            raise
        except Exception as exc:
            trans.rollback()
            name = report.tables[-1].name if report.tables else "?"
            raise MigrateError(f"Copying stopped ({_first_line(exc)}) near table {name}; nothing was "
                               "kept in the target, which holds only the empty schema: fix the cause "
                               "and run the command again.") from exc


def _rows(src: Connection, table: sa.Table) -> Iterator[sa.Row]:
    order = list(table.primary_key.columns) or list(table.columns)[:1]
    result = src.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(
        sa.select(table).order_by(*order))
    yield from result


def _copy_table(src: Connection, dst: Connection, table: sa.Table, late_columns: list[str],
                late: dict[str, list[tuple]]) -> int:
    columns = list(table.columns)
    names = [c.name for c in columns]
    late_idx = [names.index(c) for c in late_columns]
    pk = [names.index(c.name) for c in table.primary_key.columns]
    if late_idx and len(pk) != 1:
        raise MigrateError(f"Table {table.name} has a forward key but no single-column primary key.")
    processors = [c.type.dialect_impl(dst.dialect).bind_processor(dst.dialect) for c in columns]
    driver = dst.connection.driver_connection
    use_copy = dst.dialect.driver == "psycopg" and hasattr(driver, "cursor")
    pending_late = late.setdefault(table.name, [])
    count = 0

    def prepared(row: sa.Row) -> list:
        values = list(row)
        if late_idx:
            if any(values[i] is not None for i in late_idx):
                pending_late.append((values[pk[0]], *(values[i] for i in late_idx)))
            for i in late_idx:
                values[i] = None
        return [p(v) if p is not None and v is not None else v for p, v in zip(processors, values, strict=True)]

    if use_copy:
        prep = dst.dialect.identifier_preparer
        sql = (f"COPY {prep.quote(table.name)} ({', '.join(prep.quote(n) for n in names)}) "
               "FROM STDIN")
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in _rows(src, table):
                copy.write_row(prepared(row))
                count += 1
        return count
    batch: list[dict] = []
    insert = table.insert()
    for row in _rows(src, table):
        values = list(row)
        if late_idx:
            if any(values[i] is not None for i in late_idx):
                pending_late.append((values[pk[0]], *(values[i] for i in late_idx)))
            for i in late_idx:
                values[i] = None
        batch.append(dict(zip(names, values, strict=True)))
        if len(batch) >= BATCH_ROWS:
            dst.execute(insert, batch)
            count += len(batch)
            batch = []
    if batch:
        dst.execute(insert, batch)
        count += len(batch)
    return count


def _fill_forward_keys(dst: Connection, tables: list[sa.Table], forward: dict[str, list[str]],
                       late: dict[str, list[tuple]]) -> None:
    by_name = {t.name: t for t in tables}
    for name, columns in forward.items():
        rows = late.get(name) or []
        if not rows:
            continue
        table = by_name[name]
        prep = dst.dialect.identifier_preparer
        pk = prep.quote(next(iter(table.primary_key.columns)).name)
        for i, column in enumerate(columns, start=1):
            # plain SQL: a Core update() would also apply the model's onupdate (updated_at, updated_by)
            sql = sa.text(f"UPDATE {prep.quote(name)} SET {prep.quote(column)} = :v WHERE {pk} = :k")
            params = [{"k": r[0], "v": r[i]} for r in rows if r[i] is not None]
            for start in range(0, len(params), BATCH_ROWS):
                dst.execute(sql, params[start:start + BATCH_ROWS])


def _reset_sequences(dst: Connection, tables: list[sa.Table]) -> None:
    """Move each table's id sequence past the largest copied id, so new rows get fresh ids."""
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            sequence = dst.scalar(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                  {"t": table.name, "c": column.name})
            if sequence is None:
                continue
            prep = dst.dialect.identifier_preparer
            dst.execute(sa.text(
                f"SELECT setval(:s, COALESCE((SELECT MAX({prep.quote(column.name)}) FROM "
                f"{prep.quote(table.name)}), 1), (SELECT MAX({prep.quote(column.name)}) FROM "
                f"{prep.quote(table.name)}) IS NOT NULL)"), {"s": sequence})

