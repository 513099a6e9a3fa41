"""Domain events 业务事件 derived from history, and where the deriver has got to.

An event (lead converted, opportunity won, …) is recorded once — its `key` is unique — and then
fanned out in the same transaction to webhook deliveries and reward points. See
app/services/events.py for how history rows become events.
"""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import LabelledEnum
from .mixins import utcnow


class EventKind(LabelledEnum):
    """What webhooks subscribe to and point rules reward."""

    LEAD_CREATED = "lead.created"
    LEAD_CONVERTED = "lead.converted"
    OPPORTUNITY_STAGE_CHANGED = "opportunity.stage_changed"
    OPPORTUNITY_WON = "opportunity.won"
    OPPORTUNITY_LOST = "opportunity.lost"
    ACCOUNT_OWNER_CHANGED = "account.owner_changed"
    ACCOUNT_RETURNED_TO_POOL = "account.returned_to_pool"
    FOLLOWUP_LOGGED = "followup.logged"
    ACTIVITY_OVERDUE = "activity.overdue"

    @classmethod
    def _labels(cls):
        return {
            "lead.created": _l("Lead created"),
            "lead.converted": _l("Lead converted"),
            "opportunity.stage_changed": _l("Opportunity stage changed"),
            "opportunity.won": _l("Opportunity won"),
            "opportunity.lost": _l("Opportunity lost"),
            "account.owner_changed": _l("Account owner changed"),
            "account.returned_to_pool": _l("Account returned to the pool"),
            "followup.logged": _l("Follow-up logged"),
            "activity.overdue": _l("Activity overdue"),
        }


class CrmEvent(Model):
    __tablename__ = "crm_event"
    __table_args__ = (Index("ix_crm_event_record", "entity", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # what makes it "the same event": e.g. "lead.converted:lead:7" or "h:42:opportunity.stage_changed"
    key: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    history_id: Mapped[int | None] = mapped_column(Integer, index=True)  # None: from the scheduler
    entity: Mapped[str] = mapped_column(String(30), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    # the user the event concerns (the record's owner), who receives any points
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    door: Mapped[str] = mapped_column(String(10), nullable=False, default="system")
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    # the JSON body webhooks receive, frozen when the event was recorded
    payload: Mapped[str] = mapped_column(Text, nullable=False)

    user = relationship("CrmUser", foreign_keys=[user_id])

    @property
    def kind_label(self):
        return EventKind.label_of(self.kind)

    def __str__(self) -> str:
        return f"{self.kind} #{self.record_id}"


class EventCursor(Model):
    """How far the deriver has read: the history id below which every row was handled."""

    __tablename__ = "event_cursor"

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
