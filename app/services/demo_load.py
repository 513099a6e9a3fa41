"""Bulk loading for the demo generator: many rows, one connection of its own, no ORM.

Measured on SQLite, 200,000 leads, 2 cores (CPU seconds):
- SQLAlchemy Core `insert()` executemany spends ~23 µs a row processing parameters; handing
  ready tuples to the driver's executemany costs ~6 µs. On SQLite the loader does the latter
  (the SQL text is still rendered by SQLAlchemy); elsewhere it uses Core `insert()`.
- Keeping lead's 22 secondary indexes up to date during the load: 20 s; dropping them and
  building them once afterwards: 8.5 + 6 s. Keeping only the "cheap" ones was no better.
- Formatting datetimes with `isoformat()` was 15% of the time; times are passed as offsets
  (`Moments`) and turned into text through two small lookup tables.
- Foreign-key checks on every insert: ~20%. The generator plans every id itself, so they are
  switched off for this connection only (tests run `PRAGMA foreign_key_check` afterwards).
All database work runs on one writer thread, so SQLite (which releases the GIL while it works
and while it builds indexes) overlaps with the next chunk being generated in Python.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Date, DateTime, Table, func, insert, select, text
from sqlalchemy.engine import Connection, Engine

#: below this many new rows (or fewer than it already has) a table keeps its indexes during a load
DROP_INDEXES_FROM = 50_000
#: chunks generated ahead of the writer: bounds memory while keeping both cores busy
AHEAD = 2
_SECONDS_OF_DAY: list[str] = []


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
        if not _SECONDS_OF_DAY:
            _SECONDS_OF_DAY.extend(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000"
                                   for s in range(86_400))
        base = self.base.replace(microsecond=0)
        midnight = dt.datetime.combine(base.date(), dt.time())
        offset = int((base - midnight).total_seconds())
        present = [int(s) + offset for s in self if s is not None]
        if not present:
            return [None] * len(self)
        first = min(present) // 86_400
        days = [(midnight.date() + dt.timedelta(days=d)).isoformat() + " "
                for d in range(first, max(present) // 86_400 + 1)]
        clock = _SECONDS_OF_DAY
        return [days[(int(s) + offset) // 86_400 - first] + clock[(int(s) + offset) % 86_400]
                if s is not None else None for s in self]


class BulkLoader:
    """Writes rows through one connection on a writer thread; its tuning never reaches the pool."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.loaded: set[str] = set()
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
        try:
            yield
        finally:
            self._submit(self._create_indexes, found)

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

    def _finish(self) -> None:
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


def _sqlite_values(table: Table, name: str, values: list) -> list:
    # sqlite3's own date adapters are deprecated (Python 3.12): store SQLAlchemy's text form
    if isinstance(values, Moments):
        return values.as_text()
    if isinstance(table.c[name].type, (Date, DateTime)):
        return [_iso(v) if v is not None else None for v in values]
    return values


def _iso(value: dt.date) -> str:
    return value.isoformat(" ", "microseconds") if isinstance(value, dt.datetime) else value.isoformat()
