"""Admin-editable vocabularies with a Chinese and an English name each."""

from __future__ import annotations

from flask_appbuilder.models.sqla import Model
from sqlalchemy import Boolean, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .enums import Channel


def current_language() -> str:
    try:
        from flask_babel import get_locale

        locale = get_locale()
        return locale.language if locale else "zh"
    except Exception:
        return "zh"


class BilingualNameMixin:
    name_zh: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str] = mapped_column(String(100), nullable=False)

    @declared_attr
    def sort_order(cls) -> Mapped[int]:
        return mapped_column(Integer, nullable=False, default=0, server_default="0")

    @declared_attr
    def active(cls) -> Mapped[bool]:
        return mapped_column(Boolean, nullable=False, default=True, server_default="1")

    @property
    def label(self) -> str:
        return self.name_zh if current_language() == "zh" else self.name_en

    def __str__(self) -> str:
        return self.label


class Stage(BilingualNameMixin, Model):
    """Opportunity stage 销售阶段. Won and lost stages are terminal."""

    __tablename__ = "stage"
    __table_args__ = (
        CheckConstraint("probability >= 0 AND probability <= 100", name="ck_stage_probability"),
        CheckConstraint("NOT (is_won AND is_lost)", name="ck_stage_terminal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    probability: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    is_won: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    is_lost: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")

    @property
    def is_closed(self) -> bool:
        return bool(self.is_won or self.is_lost)


class LeadSource(BilingualNameMixin, Model):
    """A finer source under a channel: website, trade show, customer referral …"""

    __tablename__ = "lead_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), nullable=False, index=True)

    @property
    def channel_label(self):
        return Channel.label_of(self.channel)


class LostReason(BilingualNameMixin, Model):
    """Why an opportunity was lost 输单原因."""

    __tablename__ = "lost_reason"

    id: Mapped[int] = mapped_column(primary_key=True)
