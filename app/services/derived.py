"""Derived data of rows inserted in bulk: name-search pieces and analytics summary counts, computed
once per slice instead of by a trigger per row (SQLite; see migration 0030 and `BulkWrite`).

    with triggers_aside(conn, table) as fill:
        ids = insert the rows …
        fill(ids)

`fill` must run before the block ends; the block must run inside the caller's write transaction. On
PostgreSQL, and for tables without gated triggers, it does nothing and the triggers stay in charge.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from sqlalchemy import Table, delete, insert, text

from app.models import BulkWrite
from app.models.search_index import fill_sql

from .analytics import rollup

#: tables whose insert triggers stand aside for a bulk writer (migration 0030)
GATED = ("lead",)


@contextlib.contextmanager
def triggers_aside(conn, table: Table) -> Iterator[Callable[[list[int]], None]]:
    if conn.dialect.name != "sqlite" or table.name not in GATED:
        yield lambda ids: None
        return
    conn.execute(insert(BulkWrite.__table__), {"name": table.name})
    filled = []

    def fill(ids: list[int]) -> None:
        if ids:
            lo, hi = min(ids), max(ids)
            if hi - lo + 1 != len(ids):
                raise ValueError("bulk-inserted ids must be consecutive")
            conn.execute(text(fill_sql(table.name, "id BETWEEN :lo AND :hi")), {"lo": lo, "hi": hi})
            rollup.add_slice(conn, rollup.CUBES[table.name], lo, hi)
        filled.append(True)

    yield fill
    if not filled:
        raise RuntimeError("rows were inserted with their triggers aside, but their derived data was not filled")
    conn.execute(delete(BulkWrite.__table__).where(BulkWrite.name == table.name))
