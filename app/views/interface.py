"""FAB's SQLAlchemy interface, adjusted for the CRM: eager loading, cheap counts, soft delete."""

from __future__ import annotations

from flask import g
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import func
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.services.concurrency import STALE_MESSAGE
from app.services.recycle_bin import soft_delete


class CrmInterface(SQLAInterface):
    def __init__(self, obj, session=None, eager: tuple[str, ...] = ()) -> None:
        super().__init__(obj, session)
        self.eager = eager

    def query(self, filters=None, order_column="", order_direction="", page=None, page_size=None,
              select_columns=None, outer_default_load=False):
        query = self.session.query(self.obj)
        count = self.query_count(query, filters, select_columns)
        query = self.apply_all(query, filters, order_column, order_direction, page, page_size,
                               select_columns, outer_default_load)
        # one IN query per shown relationship instead of one lazy load per row
        query = query.options(*(selectinload(getattr(self.obj, name)) for name in self.eager))
        return count, query.all()

    def query_count(self, query, filters=None, select_columns=None) -> int:
        # FAB wraps the whole SELECT in a subquery; counting the primary key directly is cheaper.
        query = self._apply_inner_all(query, filters, select_columns=select_columns, aliases_mapping={})
        return query.with_entities(func.count(self.obj.id)).order_by(None).scalar() or 0

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
