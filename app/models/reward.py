"""Rewards 奖励机制: point rules per event, the ledger that explains every point, badges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_appbuilder.models.sqla import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .lookup import current_language
from .mixins import utcnow


class PointRule(Model):
    """`points` for each event of `event`; with `per_amount`, for each full `per_amount` of the amount."""

    __tablename__ = "point_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    per_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())

    def __str__(self) -> str:
        return self.event


class PointEntry(Model):
    """One line of the points ledger: who got how many points for which event."""

    __tablename__ = "point_entry"
    __table_args__ = (
        # never twice for one event, whatever retries or doors
        UniqueConstraint("event_id", "user_id", name="uq_point_entry_event_user"),
        Index("ix_point_entry_user_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    event_id: Mapped[int] = mapped_column(ForeignKey("crm_event.id", ondelete="CASCADE"), nullable=False)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("point_rule.id", ondelete="SET NULL"))
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)

    user = relationship("CrmUser")
    event = relationship("CrmEvent")


class Badge(Model):
    """Held while a user's total points reach `threshold`."""

    __tablename__ = "badge"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(50), nullable=False)
    name_en: Mapped[str] = mapped_column(String(50), nullable=False)
    threshold: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    icon: Mapped[str] = mapped_column(String(40), nullable=False, default="fa-medal")

    @property
    def label(self) -> str:
        return self.name_zh if current_language() == "zh" else self.name_en

    def __str__(self) -> str:
        return self.label
