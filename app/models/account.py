"""Account 客户: a customer organisation, parent of contacts and opportunities."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import AccountLevel, Industry
from .mixins import OwnedMixin, RecordMixin, owner_index
from .pool import PoolMixin
from .tag import account_tag


class Account(PoolMixin, OwnedMixin, RecordMixin, Model):
    __tablename__ = "account"
    __table_args__ = (Index("ix_account_owner_created", "owner_id", "created_at"), owner_index("account"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    industry: Mapped[str | None] = mapped_column(String(30), index=True)
    level: Mapped[str | None] = mapped_column(String(1), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("lead_source.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    website: Mapped[str | None] = mapped_column(String(255))
    province: Mapped[str | None] = mapped_column(String(50), index=True)
    city: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str | None] = mapped_column(String(255))
    last_followup_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    next_followup_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    description: Mapped[str | None] = mapped_column(Text)

    source = relationship("LeadSource")
    tags = relationship("Tag", secondary=account_tag)
    contacts = relationship("Contact", back_populates="account", order_by="Contact.id")
    opportunities = relationship(
        "Opportunity", back_populates="account", order_by="Opportunity.id.desc()"
    )
    activities = relationship("Activity", back_populates="account", order_by="Activity.due_at.desc()")
    notes = relationship("Note", back_populates="account", order_by="Note.created_at.desc()")

    def __str__(self) -> str:
        return self.name or f"#{self.id}"

    @property
    def level_label(self):
        return AccountLevel.label_of(self.level)

    @property
    def industry_label(self):
        return Industry.label_of(self.industry)
