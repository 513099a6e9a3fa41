"""Public pool 公海 rules: holding caps per role, and the reclaim and re-claim settings."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from .enums import LabelledEnum


class PoolEntity(LabelledEnum):
    LEAD = "lead"
    ACCOUNT = "account"

    @classmethod
    def _labels(cls):
        return {"lead": _l("Leads"), "account": _l("Accounts")}


class HoldingCap(Model):
    """持有上限: the most records of a type one user of this role may own."""

    __tablename__ = "holding_cap"
    __table_args__ = (
        UniqueConstraint("role_id", "entity", name="uq_holding_cap"),
        CheckConstraint("cap >= 0", name="ck_holding_cap_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("ab_role.id", ondelete="CASCADE"), index=True)
    entity: Mapped[str] = mapped_column(String(20), nullable=False)
    cap: Mapped[int] = mapped_column(Integer, nullable=False)

    role = relationship("Role")


class PoolSettings(Model):
    """One row: how the pool behaves. Edited by admins under Settings."""

    __tablename__ = "pool_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    reclaim_cooldown_days: Mapped[int] = mapped_column(Integer, nullable=False, default=7)
    auto_reclaim: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    no_followup_days: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    no_won_days: Mapped[int] = mapped_column(Integer, nullable=False, default=180)
    warning_days: Mapped[int] = mapped_column(Integer, nullable=False, default=3)


class PoolMixin:
    """Who last gave the record back to the pool, and when (for the re-claim cooldown)."""

    @declared_attr
    def released_by_id(cls) -> Mapped[int | None]:
        return mapped_column(
            ForeignKey("ab_user.id", ondelete="SET NULL", name=f"fk_{cls.__tablename__}_released_by_id")
        )

    @declared_attr
    def released_at(cls) -> Mapped[dt.datetime | None]:
        return mapped_column(DateTime)
