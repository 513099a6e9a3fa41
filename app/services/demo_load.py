"""Bulk loading for the demo generator: many rows, one connection of its own, no ORM.

What was measured (SQLite, 2 shared cores) and decided:
- SQLAlchemy Core `insert()` executemany spends ~23 µs a row processing parameters; ready
  tuples through the driver's executemany cost ~6 µs. On SQLite the INSERT is rendered by
  SQLAlchemy and the driver gets tuples; on PostgreSQL rows go through COPY.
- Keeping lead's 22 secondary indexes up to date row by row is slower than building them once
  afterwards (200,000 leads: 20 s against 8.5 + 6 s); keeping only the "cheap" ones was no better.
- datetime objects and isoformat() took ~15% of the time: times travel as offsets (`Moments`)
  and become text through two lookup tables.
- Foreign-key checks on every insert cost ~20%. The plan assigns every id itself, so they are
  off for this connection only (the tests run `PRAGMA foreign_key_check` afterwards).
- Multi-row INSERT statements cost more Python than they saved; PRAGMA threads and other
  journal modes made no measurable difference.
Database work runs on one writer thread, so SQLite — which releases the GIL while it inserts
and builds indexes — overlaps with the next chunks being generated in Python.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Date, DateTime, Table, func, insert, select, text
from sqlalchemy.engine import Connection, Engine

from app.models.search_index import SEARCHED_NAMES, search_table
from app.models.search_index import refill_sql as search_refill_sql

#: below this many new rows (or fewer than it already has) a table keeps its indexes during a load
DROP_INDEXES_FROM = 50_000
#: chunks generated ahead of the writer (~25 MB each): enough to keep generating while SQLite
#: rebuilds a big table's indexes, few enough to bound memory
AHEAD = 8
_SECONDS_OF_DAY: list[str] = []
_DAY_RANGE = 3000  # days either side of a Moments base that as_text can express
_DAYS: dict[dt.datetime, tuple[int, list[str]]] = {}


class Moments(list):
    """Seconds after `base` (or None), for a DateTime column; cheaper than datetime objects."""

    def __init__(self, base: dt.datetime, seconds) -> None:
        super().__init__(seconds)
        self.base = base

    def as_datetimes(self) -> list[dt.datetime | None]:
        base, delta = self.base, dt.timedelta
        return [base + delta(seconds=int(s)) if s is not None else None for s in self]

    def as_text(self) -> list[str | None]:
        """SQLAlchemy's SQLite storage form, 'YYYY-MM-DD HH:MM:SS.000000', via lookup tables."""
        offset, days = _day_table(self.base)
        clock = _SECONDS_OF_DAY
        return [days[(t := int(s) + offset) // 86_400] + clock[t % 86_400] if s is not None else None
                for s in self]


def _day_table(base: dt.datetime) -> tuple[int, list[str]]:
    """(seconds from the table's first midnight to `base`, "YYYY-MM-DD " for ±3000 days)."""
    if not _SECONDS_OF_DAY:
        _SECONDS_OF_DAY.extend(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000"
                               for s in range(86_400))
    if base not in _DAYS:
        first = dt.datetime.combine(base.date(), dt.time()) - dt.timedelta(days=_DAY_RANGE)
        _DAYS[base] = (int((base.replace(microsecond=0) - first).total_seconds()),
                       [(first + dt.timedelta(days=d)).strftime("%Y-%m-%d ") for d in range(2 * _DAY_RANGE)])
    return _DAYS[base]


class BulkLoader:
    """Writes rows through one connection on a writer thread; its tuning never reaches the pool."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        #: rows may point at rows written later (SQLite: foreign keys are off while loading)
        self.forward_references = self.is_sqlite
        self.loaded: set[str] = set()
        #: the analytics summaries missed rows loaded without their triggers
        self.summaries_stale = False
        self.last_won_stale = False
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-writer")
        self._pending: deque[Future] = deque()
        self.conn: Connection = self._writer.submit(self._connect).result()

    def __enter__(self) -> BulkLoader:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.wait()
                self._run(self._finish)
        finally:
            self._writer.submit(self._discard).result()
            self._writer.shutdown()

    # -- called from the generating thread -------------------------------------------------
    def next_id(self, table: Table) -> int:
        """First free id: the generator assigns ids itself so that rows can point at each other."""
        return self._run(lambda: int(self.conn.scalar(
            select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1)

    def insert(self, table: Table, columns: dict[str, list]) -> int:
        """Queue rows given column-wise ({"name": [...], "mobile": [...]}); returns their count.

        The rows are turned into the driver's form here, on the generating thread, which has
        time to spare while the writer waits for SQLite.
        """
        names = list(columns)
        count = len(columns[names[0]]) if names else 0
        if not count:
            return 0
        if self.is_sqlite:
            converted: dict[int, list] = {}  # created_at and updated_at are often the same list
            values = [converted.setdefault(id(v), _sqlite_values(table, n, v)) for n, v in columns.items()]
            prep = self.engine.dialect.identifier_preparer
            sql = (f"INSERT INTO {prep.format_table(table)} ({', '.join(prep.quote(n) for n in names)})"
                   f" VALUES ({', '.join('?' * len(names))})")
            self._submit(self._insert_now, table.name, sql, list(zip(*values, strict=True)))
        elif self.engine.dialect.driver == "psycopg":
            # COPY is PostgreSQL's bulk path: ~10x faster than executemany INSERTs
            values = [v.as_datetimes() if isinstance(v, Moments) else v for v in columns.values()]
            prep = self.engine.dialect.identifier_preparer
            sql = f"COPY {prep.format_table(table)} ({', '.join(prep.quote(n) for n in names)}) FROM STDIN"
            self._submit(self._copy_now, table.name, sql, list(zip(*values, strict=True)))
        else:
            values = [v.as_datetimes() if isinstance(v, Moments) else v for v in columns.values()]
            rows = [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]
            self._submit(self._insert_now, table.name, insert(table), rows)
        return count

    def execute(self, statement, params=None) -> None:
        self._submit(self._execute_now, statement, params)

    @contextlib.contextmanager
    def indexes_deferred(self, table: Table, rows: int) -> Iterator[None]:
        """Drop a table's secondary indexes for a large load; always rebuild them afterwards."""
        # rebuilding pays off only when the new rows are many and outnumber the old ones
        if (self.engine.dialect.name not in _LIST_INDEXES or rows < DROP_INDEXES_FROM
                or rows < self.next_id(table) - 1):
            yield
            return
        found = self._run(self._drop_indexes, table.name)
        triggers = self._run(self._drop_triggers, table.name) if self.is_sqlite else []
        try:
            yield
        finally:
            self._submit(self._create_indexes, found)
            if triggers:
                self._submit(self._refill, table.name, triggers)

    def wait(self) -> None:
        while self._pending:
            self._pending.popleft().result()

    def _submit(self, fn: Callable, *args) -> None:
        self._pending.append(self._writer.submit(fn, *args))
        while len(self._pending) > AHEAD:  # let the writer catch up; re-raises its errors
            self._pending.popleft().result()

    def _run(self, fn: Callable, *args):
        self.wait()
        return self._writer.submit(fn, *args).result()

    # -- run on the writer thread ----------------------------------------------------------
    def _connect(self) -> Connection:
        conn = self.engine.connect()
        if self.is_sqlite:
            # Demo data is not worth waiting for the disk or for checks the planner already
            # guarantees; the connection is discarded afterwards, so the pool never sees this.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB, for the index builds
            conn.commit()
        return conn

    def _insert_now(self, table_name: str, statement, rows: list) -> None:
        if isinstance(statement, str):
            self.conn.exec_driver_sql(statement, rows)
        else:
            self.conn.execute(statement, rows)
        self.conn.commit()
        self.loaded.add(table_name)

    def _copy_now(self, table_name: str, sql: str, rows: list) -> None:
        with self.conn.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        self.conn.commit()
        self.loaded.add(table_name)

    def _execute_now(self, statement, params) -> None:
        self.conn.execute(statement, params)
        self.conn.commit()

    def _drop_indexes(self, table_name: str) -> list[str]:
        found = self.conn.execute(text(_LIST_INDEXES[self.engine.dialect.name]), {"t": table_name}).all()
        for name, _sql in found:
            self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
        self.conn.commit()
        return [sql for _name, sql in found]

    def _create_indexes(self, statements: list[str]) -> None:
        self.conn.rollback()
        for sql in statements:
            self.conn.exec_driver_sql(sql)
        self.conn.commit()

    def _drop_triggers(self, table_name: str) -> list[str]:
        """Drop the triggers that keep derived data (search pieces, analytics summaries, accounts' last won date) of a table.

        Per row they cost more than the insert itself (1M leads: ~900 s against ~150 s); the derived
        data is computed once, in bulk, when the table is loaded (`_refill`).
        """
        found = self.conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"), {"t": table_name}).all()
        deferred = [(name, sql) for name, sql in found if refill_kind(name) is not None]
        for name, _sql in deferred:
            self.conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        self.conn.commit()
        return deferred

    def _refill(self, table_name: str, triggers: list[tuple[str, str]]) -> None:
        self.conn.rollback()
        kinds = {refill_kind(name) for name, _sql in triggers}
        if "search" in kinds:
            for sql in search_refill_sql(table_name):
                self.conn.exec_driver_sql(sql)
        if "summary" in kinds:  # recomputed from every base table once, after the load
            self.summaries_stale = True
        if "last_won" in kinds:  # account.last_won_at (migration 0024), recomputed once after the load
            self.last_won_stale = True
        for _name, sql in triggers:
            self.conn.exec_driver_sql(sql)
        self.conn.commit()

    def _finish(self) -> None:
        # Fresh statistics for the query planner. Without them SQLite takes the soft-delete
        # condition `deleted_at IS NULL` for a selective index lookup and sorts a million rows
        # for a 25-row page (measured: 0.5 s instead of 0.5 ms; a lead search 1.1 s).
        for name in sorted(self.loaded):
            self.conn.exec_driver_sql(f"ANALYZE {self.conn.dialect.identifier_preparer.quote(name)}")
        if self.engine.dialect.name == "postgresql":
            # ids were given explicitly, so the serial sequences must move past them
            for name in sorted(n for n in self.loaded if not n.endswith("_tag")):
                quoted = self.conn.dialect.identifier_preparer.quote(name)
                self.conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence(:t, 'id'), (SELECT max(id) FROM {quoted}))"
                ), {"t": name})
        self.conn.commit()

    def _discard(self) -> None:
        self.conn.rollback()
        if self.is_sqlite:
            self.conn.invalidate()  # never hand the tuned DBAPI connection back to the pool
        self.conn.close()


# (name, CREATE statement) of a table's secondary indexes — not those behind a constraint
_LIST_INDEXES = {
    "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
              " AND sql IS NOT NULL",
    "postgresql": "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
                  " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
                  " WHERE t.relname = :t AND t.relnamespace = current_schema()::regnamespace"
                  " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
}


def refill_kind(trigger: str) -> str | None:
    """What a deferred trigger kept up to date: "search" pieces, "summary" rows, "last_won" dates of accounts,
    or None (the trigger stays during the load)."""
    if trigger.startswith("analytics_"):
        return "summary"
    if trigger.startswith("opportunity_last_won_"):
        return "last_won"
    if any(trigger.startswith(search_table(t) + "_") for t in SEARCHED_NAMES):
        return "search"
    return None


def _sqlite_values(table: Table, name: str, values: list) -> list:
    # sqlite3's own date adapters are deprecated (Python 3.12): store SQLAlchemy's text form
    if isinstance(values, Moments):
        return values.as_text()
    if isinstance(table.c[name].type, (Date, DateTime)):
        return [_iso(v) if v is not None else None for v in values]
    return values


def _iso(value: dt.date) -> str:
    return value.isoformat(" ", "microseconds") if isinstance(value, dt.datetime) else value.isoformat()
