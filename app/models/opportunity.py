"""Opportunity 商机: a possible sale to an account, moving through stages to won or lost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .analytics_rollup import analytics_indexes
from .enums import Currency
from .mixins import OwnedMixin, RecordMixin, owner_index


class Opportunity(OwnedMixin, RecordMixin, Model):
    __tablename__ = "opportunity"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="ck_opportunity_amount"),
        Index("ix_opportunity_stage_close", "stage_id", "expected_close_date"),
        # the pipeline board's won / lost columns (migration 0020)
        Index("ix_opportunity_pipeline_closed", "stage_id", "closed_at", "deleted_at", "owner_id", "currency", "amount"),
        owner_index("opportunity"),
        # a user's open / won count and amount by currency, summed from the index (home page, migration 0023)
        Index("ix_opportunity_owner_sums", "owner_id", "deleted_at", "stage_id", "currency", "amount", "closed_at"),
        Index("ix_opportunity_amount", "amount", "id"),  # the list sorted by amount (migration 0028)
        *analytics_indexes("opportunity"),  # analytics charts (issue 9)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="RESTRICT"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    # custom fields 自定义字段 {key: value} (app/services/custom_fields.py)
    custom: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default=Currency.CNY)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stage.id"), nullable=False, index=True)
    expected_close_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    lost_reason_id: Mapped[int | None] = mapped_column(ForeignKey("lost_reason.id"), index=True)
    source_lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("lead.id", ondelete="SET NULL"), index=True
    )

    account = relationship("Account", back_populates="opportunities")
    contact = relationship("Contact")
    stage = relationship("Stage")
    lost_reason = relationship("LostReason")
    source_lead = relationship("Lead", foreign_keys=[source_lead_id])
    activities = relationship(
        "Activity", back_populates="opportunity", order_by="Activity.due_at.desc()"
    )
    notes = relationship("Note", back_populates="opportunity", order_by="Note.created_at.desc()")

    def __str__(self) -> str:
        return self.name or f"#{self.id}"
