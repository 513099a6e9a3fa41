"""Account 客户: a customer organisation, parent of contacts and opportunities."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .analytics_rollup import analytics_indexes
from .enums import AccountLevel, Industry
from .mixins import MatchKeysMixin, OwnedMixin, RecordMixin, owner_index
from .pool import PoolMixin
from .tag import account_tag


class Account(PoolMixin, OwnedMixin, MatchKeysMixin, RecordMixin, Model):
    __tablename__ = "account"
    __table_args__ = (Index("ix_account_owner_created", "owner_id", "created_at"), owner_index("account"),
                      *analytics_indexes("account"),  # analytics charts (issue 9)
                      # the reclaim rule, counted from indexes (neglected-customers widget, migration 0024)
                      Index("ix_account_reclaim_followup", "owner_id", "deleted_at", "last_followup_at",
                            "created_at", "last_won_at"),
                      Index("ix_account_reclaim_won", "owner_id", "deleted_at", "last_won_at", "created_at",
                            "last_followup_at"))

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
    # latest close of a won, not deleted opportunity; kept by database triggers (migration 0024,
    # app/services/last_won.py) — never set it from Python
    last_won_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    description: Mapped[str | None] = mapped_column(Text)
    # custom fields 自定义字段 {key: value} (app/services/custom_fields.py)
    custom: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    MATCH_KEYS = {"name_key": ("name", "company"), "phone_key": ("phone", "mobile")}
    name_key: Mapped[str | None] = mapped_column(String(200), index=True)
    phone_key: Mapped[str | None] = mapped_column(String(32), index=True)

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
