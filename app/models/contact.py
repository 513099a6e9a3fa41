"""Contact 联系人: a person, usually under an account."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .mixins import MatchKeysMixin, OwnedMixin, RecordMixin, owner_index


class Contact(OwnedMixin, MatchKeysMixin, RecordMixin, Model):
    __tablename__ = "contact"
    __table_args__ = (owner_index("contact"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    # custom fields 自定义字段 {key: value} (app/services/custom_fields.py)
    custom: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    title: Mapped[str | None] = mapped_column(String(100))
    mobile: Mapped[str | None] = mapped_column(String(32), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    wechat: Mapped[str | None] = mapped_column(String(64))

    MATCH_KEYS = {"mobile_key": ("mobile", "mobile"), "email_key": ("email", "email")}
    mobile_key: Mapped[str | None] = mapped_column(String(32), index=True)
    email_key: Mapped[str | None] = mapped_column(String(254), index=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    birthday: Mapped[dt.date | None] = mapped_column(Date)

    account = relationship("Account", back_populates="contacts")
    activities = relationship("Activity", back_populates="contact", order_by="Activity.due_at.desc()")
    notes = relationship("Note", back_populates="contact", order_by="Note.created_at.desc()")

    def __str__(self) -> str:
        return self.name or f"#{self.id}"
