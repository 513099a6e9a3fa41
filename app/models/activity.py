"""Activity 活动 and Note 便签: both hang off exactly one lead, account, contact or opportunity."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from .analytics_rollup import analytics_indexes
from .enums import ActivityType
from .mixins import OwnedMixin, RecordMixin, owner_index, utcnow

PARENTS = ("lead", "account", "contact", "opportunity")
_EXACTLY_ONE_PARENT = (
    "(CASE WHEN lead_id IS NULL THEN 0 ELSE 1 END + CASE WHEN account_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN contact_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN opportunity_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class AttachedMixin:
    """Links to exactly one parent record (enforced by a CHECK constraint)."""

    @declared_attr
    def lead_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def account_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def contact_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def opportunity_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("opportunity.id", ondelete="CASCADE"), index=True)

    @property
    def parent(self):
        for name in PARENTS:
            if getattr(self, f"{name}_id") is not None:
                return getattr(self, name)
        return None

    @property
    def parent_kind(self) -> str | None:
        for name in PARENTS:
            if getattr(self, f"{name}_id") is not None:
                return name
        return None


class Activity(AttachedMixin, OwnedMixin, RecordMixin, Model):
    __tablename__ = "activity"
    __table_args__ = (
        CheckConstraint(_EXACTLY_ONE_PARENT, name="ck_activity_one_parent"),
        # "my open tasks by due time" (the inbox, the home page's tasks) and "my due reminders" (the bell),
        # counted from the index alone (migration 0023)
        Index("ix_activity_owner_open_due", "owner_id", "done_at", "deleted_at", "due_at"),
        Index("ix_activity_owner_open_remind", "owner_id", "done_at", "deleted_at", "remind_at"),
        owner_index("activity"),
        # the default list order: live rows by due time, without sorting a million rows
        Index("ix_activity_live_due", "deleted_at", "due_at"),
        *analytics_indexes("activity"),  # analytics charts (issue 9)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(20), nullable=False, default=ActivityType.TASK, index=True)
    subject: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    due_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    remind_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    outcome: Mapped[str | None] = mapped_column(Text)

    lead = relationship("Lead", back_populates="activities")
    account = relationship("Account", back_populates="activities")
    contact = relationship("Contact", back_populates="activities")
    opportunity = relationship("Opportunity", back_populates="activities")

    def __str__(self) -> str:
        return self.subject

    @property
    def type_label(self):
        return ActivityType.label_of(self.type)

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def due_status(self) -> str:
        """done, overdue (open and past its due time) or open — highlighted on lists and home."""
        if self.done_at is not None:
            return "done"
        if self.due_at is not None and self.due_at < utcnow():
            return "overdue"
        return "open"


class Note(AttachedMixin, RecordMixin, Model):
    __tablename__ = "note"
    __table_args__ = (CheckConstraint(_EXACTLY_ONE_PARENT, name="ck_note_one_parent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)

    lead = relationship("Lead", back_populates="notes")
    account = relationship("Account", back_populates="notes")
    contact = relationship("Contact", back_populates="notes")
    opportunity = relationship("Opportunity", back_populates="notes")

    @property
    def author(self):
        return self.created_by

    def __str__(self) -> str:
        return (self.text or "")[:50]
