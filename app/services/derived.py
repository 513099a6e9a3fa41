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
from app.models.search_index import SEARCHED_NAMES, pieces_sql, search_table

#: tables whose insert triggers stand aside for a bulk writer (migration 0030)
GATED = ("lead",)

# the analytics summary key of a lead, as the trigger of migration 0019 computes it
_SHIFT = "coalesce((SELECT shift FROM analytics_rollup_state WHERE id = 1), '+0 minutes')"
_LEAD_MONTH = (
    "INSERT INTO analytics_lead_month (month, owner_id, channel, source_id, status, has_opportunity, n) "
    f"SELECT date(created_at, {_SHIFT}, 'start of month'), coalesce(owner_id, 0), channel, coalesce(source_id, 0),"
    " status, converted_opportunity_id IS NOT NULL, count(*) FROM lead"
    " WHERE id BETWEEN :lo AND :hi AND deleted_at IS NULL GROUP BY 1, 2, 3, 4, 5, 6"
    " ON CONFLICT (month, owner_id, channel, source_id, status, has_opportunity) DO UPDATE SET n = n + excluded.n"
)


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
            columns = SEARCHED_NAMES[table.name]
            values = ", ".join(pieces_sql(c) for c in columns)
            conn.execute(text(f"INSERT INTO {search_table(table.name)}(rowid, {', '.join(columns)}) "
                              f"SELECT id, {values} FROM {table.name} WHERE id BETWEEN :lo AND :hi"),
                         {"lo": lo, "hi": hi})
            conn.execute(text(_LEAD_MONTH), {"lo": lo, "hi": hi})
        filled.append(True)

    yield fill
    if not filled:
        raise RuntimeError("rows were inserted with their triggers aside, but their derived data was not filled")
    conn.execute(delete(BulkWrite.__table__).where(BulkWrite.name == table.name))
