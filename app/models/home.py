"""Around the user's day: home layouts 主页, follow-ups 跟进记录, reminder state 活动提醒, recently viewed 最近访问."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .activity import _EXACTLY_ONE_PARENT, Activity, AttachedMixin
from .enums import ActivityType
from .mixins import AuditMixin, utcnow

# the bell's query: a user's open activities whose reminder time has come
Index("ix_activity_owner_done_remind", Activity.owner_id, Activity.done_at, Activity.remind_at)


class HomeLayout(Model):
    """One user's home page: an ordered list of widgets, [{"id", "key", "size", "options"}]."""

    __tablename__ = "home_layout"
    __table_args__ = (UniqueConstraint("user_id", name="uq_home_layout_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    widgets: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class RoleHomeLayout(Model):
    """The layout a role's users start from (and return to with "reset"); set by admins."""

    __tablename__ = "role_home_layout"
    __table_args__ = (UniqueConstraint("role_id", name="uq_role_home_layout_role_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("ab_role.id", ondelete="CASCADE"), nullable=False)
    widgets: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    role = relationship("Role")


class FollowUp(AttachedMixin, AuditMixin, Model):
    """跟进记录: a logged contact with the customer — the outcome of an activity, or a quick log.

    Written by app.services.activities whenever an activity is completed (whatever the door) or a
    follow-up is logged; it moves the account's last follow-up time, which feeds auto-reclaim.
    """

    __tablename__ = "follow_up"
    __table_args__ = (CheckConstraint(_EXACTLY_ONE_PARENT, name="ck_follow_up_one_parent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity.id", ondelete="SET NULL"), index=True
    )
    type: Mapped[str] = mapped_column(String(20), nullable=False, default=ActivityType.CALL)
    outcome: Mapped[str] = mapped_column(Text, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)

    lead = relationship("Lead")
    account = relationship("Account")
    contact = relationship("Contact")
    opportunity = relationship("Opportunity")
    activity = relationship("Activity")

    @property
    def type_label(self):
        return ActivityType.label_of(self.type)

    def __str__(self) -> str:
        return (self.outcome or "")[:50]


class ActivityReminder(Model):
    """What the owner did with an activity's reminder. It applies to the reminder time it was
    given for: moving the activity's reminder makes it ring again."""

    __tablename__ = "activity_reminder"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True
    )
    remind_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    dismissed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    snoozed_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


class RecentView(Model):
    """最近访问: the last records a user opened (the newest 20 are kept)."""

    __tablename__ = "recent_view"
    __table_args__ = (
        UniqueConstraint("user_id", "entity", "record_id", name="uq_recent_view"),
        Index("ix_recent_view_user_at", "user_id", "viewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    entity: Mapped[str] = mapped_column(String(20), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    viewed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
