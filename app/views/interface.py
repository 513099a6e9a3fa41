"""FAB's SQLAlchemy interface, adjusted for the CRM: eager loading, cheap counts, soft delete."""

from __future__ import annotations

from flask import g, has_request_context
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import func
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.services.concurrency import STALE_MESSAGE
from app.services.recycle_bin import soft_delete

# rows skipped before a page is fetched by primary key first (see CrmInterface._deep_page)
DEFERRED_JOIN_FROM = 1000


class CrmInterface(SQLAInterface):
    def __init__(self, obj, session=None, eager: tuple[str, ...] = ()) -> None:
        super().__init__(obj, session)
        self.eager = eager

    def query(self, filters=None, order_column="", order_direction="", page=None, page_size=None,
              select_columns=None, outer_default_load=False):
        query = self.session.query(self.obj)
        cap = g.get("crm_count_cap") if has_request_context() else None
        if cap:
            # count no further than the pages around the one shown: a list of a million rows then
            # costs what a list of ten thousand does, with or without the data-scope filter
            cap = max(cap, ((page or 0) + 10) * (page_size or 25))
        count = self.query_count(query, filters, select_columns, cap=cap)
        eager = [selectinload(getattr(self.obj, name)) for name in self.eager]
        if (page or 0) * (page_size or 0) >= DEFERRED_JOIN_FROM and not (
                select_columns and self.exists_col_to_many(select_columns)):
            return count, self._deep_page(query, filters, order_column, order_direction, page, page_size,
                                          select_columns, eager)
        query = self.apply_all(query, filters, order_column, order_direction, page, page_size,
                               select_columns, outer_default_load)
        # one IN query per shown relationship instead of one lazy load per row
        return count, query.options(*eager).all()

    def _deep_page(self, query, filters, order_column, order_direction, page, page_size, select_columns,
                   eager) -> list:
        """A page far down the list as a "deferred join": skip the offset over the primary keys alone
        (an index answers that without reading the rows), then load just the page's rows.
        Page 20,000 of a million leads: 800 ms → 100 ms on SQLite."""
        ids = [row[0] for row in self._apply_inner_all(
            query, filters, order_column, order_direction, page, page_size, select_columns,
            aliases_mapping={}).with_entities(self.obj.id)]
        rows = {row.id: row for row in self.session.query(self.obj).filter(self.obj.id.in_(ids)).options(*eager)}
        return [rows[i] for i in ids if i in rows]

    def query_count(self, query, filters=None, select_columns=None, cap: int | None = None) -> int:
        # FAB wraps the whole SELECT in a subquery; counting the primary key directly is cheaper.
        query = self._apply_inner_all(query, filters, select_columns=select_columns, aliases_mapping={})
        if not cap:
            return query.with_entities(func.count(self.obj.id)).order_by(None).scalar() or 0
        first = query.with_entities(self.obj.id).order_by(None).limit(cap + 1).subquery()
        found = self.session.query(func.count()).select_from(first).scalar() or 0
        if found > cap:
            g.crm_count_at_least = cap  # the list says "10,000+" and offers the exact count
            return cap
        return found

    def edit(self, item, commit: bool = True) -> None:
        try:
            super().edit(item, commit)
        except DatabaseException as exc:
            if isinstance(exc.__cause__, StaleDataError):
                g.crm_save_error = STALE_MESSAGE
            raise

    def delete(self, item, commit: bool = True) -> None:
        if hasattr(item, "deleted_at"):
            soft_delete(self.session, [item], commit=commit)
        else:
            super().delete(item, commit)

    def delete_all(self, items) -> None:
        if items and hasattr(items[0], "deleted_at"):
            soft_delete(self.session, items)
        else:
            super().delete_all(items)
