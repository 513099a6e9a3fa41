"""Many rows into one table, given column by column, at the database's own speed.

SQLAlchemy Core builds a parameter dict per row (tens of microseconds each); for a million-row
import that is most of the time. On SQLite this sends one DBAPI executemany with each column's
values converted once by its type's bind processor — once per column when every row holds the
same object (audit stamps, the batch id), and not at all for `Prepared` text the caller already
wrote in the database's form (history's JSON, built column-wise). Elsewhere it uses Core's
executemany (psycopg batches it well). Python-side column defaults missing from `data` are filled in.
"""

from __future__ import annotations

import json

from sqlalchemy import JSON, insert


class Prepared(str):
    """A value already in the form SQLite stores (e.g. JSON text): no bind processor runs on it."""


def insert_columns(conn, table, data: dict[str, list], chunk: int = 50_000) -> None:
    if not data:
        return
    count = len(next(iter(data.values())))
    if count == 0:
        return
    data = dict(data)
    for column in table.c:
        if column.key not in data and column.default is not None and not column.primary_key:
            default = column.default
            if default.is_scalar:
                data[column.key] = [default.arg] * count
            elif default.is_callable:
                data[column.key] = [default.arg(None)] * count
    names = list(data)
    if conn.dialect.name != "sqlite":
        for name in names:  # Prepared JSON text is a SQLite shortcut: give other databases the values
            if isinstance(table.c[name].type, JSON) and _prepared(data[name]):
                data[name] = [None if v is None else json.loads(v) for v in data[name]]
        rows = [dict(zip(names, values, strict=True)) for values in zip(*data.values(), strict=True)]
        for start in range(0, count, chunk):
            conn.execute(insert(table), rows[start:start + chunk])
        return
    processed = [_bound(table.c[name].type._cached_bind_processor(conn.dialect), data[name]) for name in names]
    quote = conn.dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
           f"VALUES ({', '.join('?' for _ in names)})")
    rows = list(zip(*processed, strict=True))
    for start in range(0, count, chunk):
        conn.exec_driver_sql(sql, rows[start:start + chunk])


def _prepared(values: list) -> bool:
    first = next((v for v in values if v is not None), None)
    return isinstance(first, Prepared)


def _bound(processor, values: list) -> list:
    """The column's values as the driver takes them."""
    if processor is None or not values or _prepared(values):
        return values
    first = values[0]
    if all(v is first for v in values):  # one object in every row: convert it once
        return [None if first is None else processor(first)] * len(values)
    return [None if v is None else processor(v) for v in values]
