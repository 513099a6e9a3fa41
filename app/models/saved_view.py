"""Saved view 场景: a named list filter (filters, search, sort, columns) and each user's default.

A view stores the list's request arguments, never records: opened by anyone, it is evaluated in
the viewer's own data scope.
"""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import LabelledEnum
from .mixins import utcnow


class Sharing(LabelledEnum):
    PRIVATE = "private"
    DEPARTMENT = "department"
    EVERYONE = "everyone"

    @classmethod
    def _labels(cls):
        return {"private": _l("Only me"), "department": _l("My department"), "everyone": _l("Everyone")}


class SavedView(Model):
    __tablename__ = "saved_view"
    __table_args__ = (Index("ix_saved_view_list_owner", "list_name", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_name: Mapped[str] = mapped_column(String(50), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    owner_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    sharing: Mapped[str] = mapped_column(String(12), nullable=False, default=Sharing.PRIVATE)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="SET NULL"),
                                                      index=True)
    args: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    owner = relationship("CrmUser", foreign_keys=[owner_id])

    @property
    def sharing_label(self):
        return Sharing.label_of(self.sharing)

    def __str__(self) -> str:
        return self.name


class SavedViewDefault(Model):
    """The view a user's list opens with when no filter is given."""

    __tablename__ = "saved_view_default"

    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    list_name: Mapped[str] = mapped_column(String(50), primary_key=True)
    view_id: Mapped[int] = mapped_column(ForeignKey("saved_view.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
