"""Tickets 工单: a customer's question or problem, its conversation, and the service-level rules.

A ticket follows its account (or, without one, its contact) for data scope; its `owner_id`
(OwnedMixin) is the assignee. The customer reaches it through a private link whose token is
stored only as a SHA-256 hash.
"""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float

from .enums import LabelledEnum
from .lookup import BilingualNameMixin
from .mixins import OwnedMixin, RecordMixin, owner_index, utcnow


class TicketStatus(LabelledEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @classmethod
    def _labels(cls):
        return {
            "new": _l("New"),
            "in_progress": _l("In progress"),
            "waiting_customer": _l("Waiting for customer"),
            "resolved": _l("Resolved"),
            "closed": _l("Closed"),
        }


OPEN_STATUSES = (TicketStatus.NEW.value, TicketStatus.IN_PROGRESS.value, TicketStatus.WAITING.value)
# the service-level clock runs in these; it pauses while waiting for the customer
RUNNING_STATUSES = (TicketStatus.NEW.value, TicketStatus.IN_PROGRESS.value)


class TicketPriority(LabelledEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @classmethod
    def _labels(cls):
        return {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High"), "urgent": _l("Urgent")}


class TicketOrigin(LabelledEnum):
    WEB = "web"
    PHONE = "phone"
    VISIT = "visit"
    EMAIL = "email"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {"web": _l("Inquiry form"), "phone": _l("Phone call"), "visit": _l("Visit"),
                "email": _l("E-mail"), "other": _l("Other")}


class MessageKind(LabelledEnum):
    STAFF = "staff_reply"
    CUSTOMER = "customer_reply"
    NOTE = "internal_note"

    @classmethod
    def _labels(cls):
        return {"staff_reply": _l("Reply to the customer"), "customer_reply": _l("Customer's message"),
                "internal_note": _l("Internal note")}


class minutes_between(FunctionElement):  # noqa: N801 (an SQL function, named like one)
    """Minutes from the first timestamp to the second, in SQL; NULL when either is NULL."""

    type = Float()
    inherit_cache = True
    name = "minutes_between"


@compiles(minutes_between)
def _minutes_between(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 1440.0)"


@compiles(minutes_between, "postgresql")
def _minutes_between_pg(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 60.0)"


def _minutes(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    return (end - start).total_seconds() / 60.0 if start is not None and end is not None else None


class TicketCategory(BilingualNameMixin, Model):
    """Editable list: product question, complaint, repair, billing, other."""

    __tablename__ = "ticket_category"

    id: Mapped[int] = mapped_column(primary_key=True)


class TicketSla(Model):
    """Service level 服务时效 per priority: minutes to the first response and to resolution."""

    __tablename__ = "ticket_sla"
    __table_args__ = (
        CheckConstraint("first_response_minutes > 0 AND resolution_minutes > 0", name="ck_ticket_sla_positive"),
        UniqueConstraint("priority", name="uq_ticket_sla_priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[str] = mapped_column(String(10), nullable=False)
    first_response_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    resolution_minutes: Mapped[int] = mapped_column(Integer, nullable=False)

    @property
    def priority_label(self):
        return TicketPriority.label_of(self.priority)

    def __str__(self) -> str:
        return str(self.priority_label)


class TicketAssignmentRule(Model):
    """Who gets a new ticket: a fixed person, or round-robin within a service team.

    A rule with a category applies to that category; the rule without one applies to the rest.
    Without a department the team is every active Customer Service user.
    """

    __tablename__ = "ticket_assignment_rule"
    __table_args__ = (UniqueConstraint("category_id", name="uq_ticket_assignment_rule_category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_category.id", ondelete="CASCADE")
    )
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    last_assigned_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())

    category = relationship("TicketCategory")
    department = relationship("Department")
    assignee = relationship("CrmUser", foreign_keys=[assignee_id])


class Ticket(OwnedMixin, RecordMixin, Model):
    __tablename__ = "ticket"
    __table_args__ = (
        owner_index("ticket"),
        Index("ix_ticket_status_created", "status", "created_at"),
        UniqueConstraint("number", name="uq_ticket_number"),
        UniqueConstraint("access_token_hash", name="uq_ticket_access_token_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_category.id"), index=True)
    priority: Mapped[str] = mapped_column(String(10), nullable=False, default=TicketPriority.NORMAL)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=TicketStatus.NEW, index=True)
    origin: Mapped[str] = mapped_column(String(10), nullable=False, default=TicketOrigin.OTHER)

    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("opportunity.id", ondelete="SET NULL"), index=True
    )
    # what the writer of an inquiry told us, kept for an unmatched ticket
    requester_name: Mapped[str | None] = mapped_column(String(100))
    requester_company: Mapped[str | None] = mapped_column(String(200))
    requester_mobile: Mapped[str | None] = mapped_column(String(32))
    requester_email: Mapped[str | None] = mapped_column(String(254))
    requester_wechat: Mapped[str | None] = mapped_column(String(64))

    # service-level clock
    first_response_due_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    resolution_due_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    first_responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    paused_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    paused_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    # the customer's private link: only a hash of the token is kept
    access_token_hash: Mapped[str | None] = mapped_column(String(64))
    access_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    category = relationship("TicketCategory")
    account = relationship("Account")
    contact = relationship("Contact")
    opportunity = relationship("Opportunity")
    messages = relationship("TicketMessage", back_populates="ticket", order_by="TicketMessage.id",
                            cascade="all, delete-orphan")

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    # -- durations for the service dashboard (plain numbers in Python, one expression in SQL) -----
    @hybrid_property
    def first_response_minutes(self) -> float | None:
        """Opened → first staff reply."""
        return _minutes(self.created_at, self.first_responded_at)

    @first_response_minutes.inplace.expression
    @classmethod
    def _first_response_minutes(cls):
        return minutes_between(cls.created_at, cls.first_responded_at)

    @hybrid_property
    def resolution_minutes(self) -> float | None:
        """Opened → resolved, without the time spent waiting for the customer."""
        total = _minutes(self.created_at, self.resolved_at)
        return None if total is None else total - (self.paused_seconds or 0) / 60.0

    @resolution_minutes.inplace.expression
    @classmethod
    def _resolution_minutes(cls):
        return minutes_between(cls.created_at, cls.resolved_at) - cls.paused_seconds / 60.0

    @hybrid_property
    def first_response_target(self) -> int | None:
        """The priority's first-response target in minutes (SQL only: charts read it per group)."""
        return None

    @first_response_target.inplace.expression
    @classmethod
    def _first_response_target(cls):
        return (select(TicketSla.first_response_minutes).where(TicketSla.priority == cls.priority)
                .scalar_subquery())

    @hybrid_property
    def resolution_target(self) -> int | None:
        """The priority's resolution target in minutes (SQL only: charts read it per group)."""
        return None

    @resolution_target.inplace.expression
    @classmethod
    def _resolution_target(cls):
        return (select(TicketSla.resolution_minutes).where(TicketSla.priority == cls.priority)
                .scalar_subquery())

    @property
    def status_label(self):
        return TicketStatus.label_of(self.status)

    @property
    def priority_label(self):
        return TicketPriority.label_of(self.priority)

    @property
    def origin_label(self):
        return TicketOrigin.label_of(self.origin)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def customer(self) -> str:
        """Whom the ticket is about, as staff read it in a list."""
        if self.account is not None:
            return str(self.account)
        if self.contact is not None:
            return str(self.contact)
        return " · ".join(p for p in (self.requester_name, self.requester_company) if p)

    def overdue(self, now: dt.datetime | None = None) -> bool:
        """Past a due time while the clock runs (never while waiting for the customer)."""
        now = now or utcnow()
        if self.status not in RUNNING_STATUSES:
            return False
        if self.first_responded_at is None and self.first_response_due_at and self.first_response_due_at < now:
            return True
        return bool(self.resolution_due_at and self.resolution_due_at < now)

    @property
    def sla_state(self) -> str:
        """overdue / paused / met / running / none — for the list's highlight."""
        if self.status == TicketStatus.WAITING:
            return "paused"
        if self.overdue():
            return "overdue"
        if self.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            met = self.resolution_due_at is None or (self.resolved_at or utcnow()) <= self.resolution_due_at
            return "met" if met else "missed"
        return "running" if self.resolution_due_at else "none"

    @property
    def next_due_at(self) -> dt.datetime | None:
        """The due time that matters now: first response until answered, then resolution."""
        if self.status not in OPEN_STATUSES:
            return None
        if self.first_responded_at is None and self.first_response_due_at:
            return self.first_response_due_at
        return self.resolution_due_at


class TicketMessage(Model):
    """One entry of the conversation: staff reply, customer reply or internal note."""

    __tablename__ = "ticket_message"
    __table_args__ = (Index("ix_ticket_message_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    ticket = relationship("Ticket", back_populates="messages")
    author = relationship("CrmUser")

    @property
    def kind_label(self):
        return MessageKind.label_of(self.kind)

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.NOTE


class InquiryRule(Model):
    """What a prospect's inquiry becomes: a lead for round-robin among a department's reps, or the pool.

    One row (id 1), edited under Settings.
    """

    __tablename__ = "inquiry_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="SET NULL"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("lead_source.id", ondelete="SET NULL"))
    task_due_hours: Mapped[int] = mapped_column(Integer, nullable=False, default=4, server_default="4")
    last_assigned_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))

    department = relationship("Department")
    source = relationship("LeadSource")
