"""Sales targets 业绩目标: what a user or a department should win in a month or a quarter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_appbuilder.models.sqla import Model
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .mixins import utcnow


class SalesTarget(Model):
    __tablename__ = "sales_target"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (department_id IS NULL)", name="ck_sales_target_one_subject"),
        CheckConstraint("won_amount >= 0", name="ck_sales_target_amount"),
        CheckConstraint("new_accounts IS NULL OR new_accounts >= 0", name="ck_sales_target_accounts"),
        # NULLs never collide, so each pair only binds the rows of its own kind of subject
        UniqueConstraint("period", "user_id", name="uq_sales_target_user"),
        UniqueConstraint("period", "department_id", name="uq_sales_target_department"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "2026-11" (a month) or "2026-Q4" (a quarter)
    period: Mapped[str] = mapped_column(String(7), nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"), index=True
    )
    won_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    new_accounts: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CNY")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))

    user = relationship("CrmUser", foreign_keys=[user_id])
    department = relationship("Department")

    @property
    def subject(self):
        return self.user if self.user_id is not None else self.department

    def __str__(self) -> str:
        return f"{self.subject} {self.period}"
