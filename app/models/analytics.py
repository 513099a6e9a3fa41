"""Analytics 数据分析: charts people built in the app, and monthly forecast snapshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Numeric, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .mixins import utcnow


class SavedChart(Model):
    """A chart composed in the chart builder: its spec as data, shown on a dashboard (and home)."""

    __tablename__ = "analytics_chart"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    dashboard: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    spec: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    on_home: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    created_by = relationship("CrmUser")

    def __str__(self) -> str:
        return self.title


class ForecastSnapshot(Model):
    """What the forecast said, taken monthly per owner, so later months can be compared with it."""

    __tablename__ = "forecast_snapshot"
    # a new snapshot of a month replaces that month's rows (delete + insert in one transaction)
    __table_args__ = (Index("ix_forecast_snapshot_month", "month", "taken_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_month: Mapped[dt.date] = mapped_column(Date, nullable=False)  # first day of the month it was taken
    month: Mapped[dt.date] = mapped_column(Date, nullable=False)  # first day of the forecast month
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CNY")
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), nullable=False, default=Decimal("0"))
    weighted_configured: Mapped[Decimal] = mapped_column(Numeric(16, 2), nullable=False, default=Decimal("0"))
    weighted_learned: Mapped[Decimal] = mapped_column(Numeric(16, 2), nullable=False, default=Decimal("0"))
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
