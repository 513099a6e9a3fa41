"""Lead 线索: raw information about a possible customer, from any channel."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .analytics_rollup import analytics_indexes
from .enums import Channel, LeadStatus, Rating
from .mixins import MatchKeysMixin, OwnedMixin, RecordMixin, owner_index
from .pool import PoolMixin
from .tag import lead_tag


# Leads and the records they convert into point at each other; `use_alter` lets PostgreSQL
# create the tables first and the cross-links afterwards.
class Lead(PoolMixin, OwnedMixin, MatchKeysMixin, RecordMixin, Model):
    __tablename__ = "lead"
    __table_args__ = (
        # the pool list and "my leads" both page through owner + newest first
        Index("ix_lead_owner_created", "owner_id", "created_at"),
        owner_index("lead"),
        *analytics_indexes("lead"),  # analytics charts (issue 9)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_name: Mapped[str | None] = mapped_column(String(100), index=True)
    company_name: Mapped[str | None] = mapped_column(String(200), index=True)
    title: Mapped[str | None] = mapped_column(String(100))
    mobile: Mapped[str | None] = mapped_column(String(32), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    wechat: Mapped[str | None] = mapped_column(String(64))

    channel: Mapped[str] = mapped_column(String(20), nullable=False, default=Channel.ONLINE, index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("lead_source.id"), index=True)
    referrer_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL", use_alter=True, name="fk_lead_referrer_contact_id"), index=True
    )
    referrer_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL", use_alter=True, name="fk_lead_referrer_account_id"), index=True
    )

    status: Mapped[str] = mapped_column(String(20), nullable=False, default=LeadStatus.NEW, index=True)
    unqualified_reason: Mapped[str | None] = mapped_column(String(20))
    rating: Mapped[str | None] = mapped_column(String(10), index=True)
    industry: Mapped[str | None] = mapped_column(String(30), index=True)
    province: Mapped[str | None] = mapped_column(String(50))
    city: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    # custom fields 自定义字段 {key: value} (app/services/custom_fields.py)
    custom: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    MATCH_KEYS = {"mobile_key": ("mobile", "mobile"), "email_key": ("email", "email"),
                  "company_key": ("company_name", "company")}
    mobile_key: Mapped[str | None] = mapped_column(String(32), index=True)
    email_key: Mapped[str | None] = mapped_column(String(254), index=True)
    company_key: Mapped[str | None] = mapped_column(String(200), index=True)

    converted_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL", use_alter=True, name="fk_lead_converted_account_id"), index=True
    )
    converted_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL", use_alter=True, name="fk_lead_converted_contact_id"), index=True
    )
    converted_opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("opportunity.id", ondelete="SET NULL", use_alter=True, name="fk_lead_converted_opportunity_id"), index=True
    )
    converted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    converted_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))

    source = relationship("LeadSource")
    referrer_contact = relationship("Contact", foreign_keys=[referrer_contact_id])
    referrer_account = relationship("Account", foreign_keys=[referrer_account_id])
    converted_account = relationship("Account", foreign_keys=[converted_account_id])
    converted_contact = relationship("Contact", foreign_keys=[converted_contact_id])
    converted_opportunity = relationship("Opportunity", foreign_keys=[converted_opportunity_id])
    converted_by = relationship("CrmUser", foreign_keys=[converted_by_id])
    tags = relationship("Tag", secondary=lead_tag)
    activities = relationship("Activity", back_populates="lead", order_by="Activity.due_at.desc()")
    notes = relationship("Note", back_populates="lead", order_by="Note.created_at.desc()")

    def __str__(self) -> str:
        return " · ".join(p for p in (self.person_name, self.company_name) if p) or f"#{self.id}"

    @property
    def status_label(self):
        return LeadStatus.label_of(self.status)

    @property
    def channel_label(self):
        return Channel.label_of(self.channel)

    @property
    def rating_label(self):
        return Rating.label_of(self.rating)
