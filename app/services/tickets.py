"""Tickets 工单: opening, matching, assignment, conversation, status and the service-level clock.

Every rule about tickets lives here; screens, the inquiry form and the customer's private link
are doors onto these functions. Each function that changes data is one transaction.

The clock: a ticket gets first-response and resolution due times from its priority's service
level (calendar time). While it waits for the customer the clock is paused; on leaving that
status, the due times that are still to be met move forward by the pause.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_appbuilder.security.sqla.models import Role
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Account,
    Contact,
    CrmUser,
    Lead,
    MessageKind,
    Opportunity,
    Ticket,
    TicketAssignmentRule,
    TicketCategory,
    TicketMessage,
    TicketOrigin,
    TicketPriority,
    TicketSla,
    TicketStatus,
    utcnow,
)
from app.models.ticket import OPEN_STATUSES, RUNNING_STATUSES
from app.security.scope import visibility_clause

from . import normalise
from .errors import CrmError, NotFound, ValidationFailed

SERVICE_ROLE = "Customer Service"
MAX_SUBJECT = 200
MAX_BODY = 10_000
DEFAULT_LINK_DAYS = 30

# priority -> (first response, resolution) in minutes
DEFAULT_SLA = {"urgent": (30, 4 * 60), "high": (60, 8 * 60), "normal": (4 * 60, 24 * 60),
               "low": (8 * 60, 72 * 60)}
DEFAULT_CATEGORIES = (("产品咨询", "Product question"), ("投诉", "Complaint"), ("维修", "Repair"),
                      ("账单", "Billing"), ("其他", "Other"))

S = TicketStatus
TRANSITIONS = {
    S.NEW: {S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED},
    S.IN_PROGRESS: {S.WAITING, S.RESOLVED, S.CLOSED},
    S.WAITING: {S.IN_PROGRESS, S.RESOLVED, S.CLOSED},
    S.RESOLVED: {S.IN_PROGRESS, S.CLOSED},
    S.CLOSED: {S.IN_PROGRESS},
}


@dataclass
class Requester:
    """Who wrote in, as they told us."""

    name: str | None = None
    company: str | None = None
    mobile: str | None = None
    email: str | None = None
    wechat: str | None = None


# -- defaults ------------------------------------------------------------------------------------
def seed_ticket_defaults() -> None:
    """Categories, service levels and a round-robin rule for empty tables; never touch edited ones."""
    if not db.session.scalar(select(func.count(TicketCategory.id))):
        for order, (zh, en) in enumerate(DEFAULT_CATEGORIES):
            db.session.add(TicketCategory(name_zh=zh, name_en=en, sort_order=order))
    existing = set(db.session.scalars(select(TicketSla.priority)))
    for priority, (first, resolution) in DEFAULT_SLA.items():
        if priority not in existing:
            db.session.add(TicketSla(priority=priority, first_response_minutes=first,
                                     resolution_minutes=resolution))
    if not db.session.scalar(select(func.count(TicketAssignmentRule.id))):
        db.session.add(TicketAssignmentRule(category_id=None, active=True))
    from .inquiry import rule as inquiry_rule

    inquiry_rule()  # the inquiry form's rule row, editable under Settings
    db.session.commit()


def sla_targets(priority: str) -> tuple[int, int]:
    row = db.session.scalar(select(TicketSla).where(TicketSla.priority == priority))
    if row is not None:
        return row.first_response_minutes, row.resolution_minutes
    return DEFAULT_SLA.get(priority, DEFAULT_SLA["normal"])


def link_days() -> int:
    configured = current_app.config.get("CRM_TICKET_LINK_DAYS") if has_app_context() else None
    return int(configured or os.environ.get("CRM_TICKET_LINK_DAYS", DEFAULT_LINK_DAYS))


# -- matching -------------------------------------------------------------------------------------
def match_customer(mobile: str | None, email: str | None) -> tuple[Account | None, Contact | None]:
    """The account and contact a mobile or e-mail belongs to, compared on the normalised keys.

    Contacts first (mobile, then e-mail), then an account's phone, then a converted lead's
    account. Anything ambiguous (two accounts) stays unmatched for staff to link.
    """
    mobile_key, email_key = normalise.mobile(mobile), normalise.email(email)
    for column, key in ((Contact.mobile_key, mobile_key), (Contact.email_key, email_key)):
        if not key:
            continue
        contacts = list(db.session.scalars(select(Contact).where(column == key).order_by(Contact.id).limit(20)))
        accounts = {c.account_id for c in contacts}
        if len(contacts) == 1 or (contacts and len(accounts) == 1 and None not in accounts):
            contact = contacts[0] if len(contacts) == 1 else None
            return contacts[0].account, contact
        if contacts:
            return None, None  # the same number under several customers: a person decides
    if mobile_key:
        accounts = list(db.session.scalars(select(Account).where(Account.phone_key == mobile_key).limit(2)))
        if len(accounts) == 1:
            return accounts[0], None
        if accounts:
            return None, None
    lead_keys = [c == k for c, k in ((Lead.mobile_key, mobile_key), (Lead.email_key, email_key)) if k]
    if lead_keys:
        converted = set(db.session.execute(
            select(Lead.converted_account_id, Lead.converted_contact_id)
            .where(or_(*lead_keys), Lead.converted_account_id.is_not(None)).limit(5)
        ).all())
        if len({account for account, _contact in converted}) == 1:
            account_id, contact_id = converted.pop()
            return db.session.get(Account, account_id), (db.session.get(Contact, contact_id) if contact_id else None)
    return None, None


# -- assignment -----------------------------------------------------------------------------------
def round_robin(candidates: list[int], last_id: int | None) -> int | None:
    """The next of the (sorted) candidates after the last one chosen, wrapping around."""
    if not candidates:
        return None
    ordered = sorted(candidates)
    later = [uid for uid in ordered if last_id is not None and uid > last_id]
    return later[0] if later else ordered[0]


def users_with_role(role_name: str, department_id: int | None = None) -> list[int]:
    query = (select(CrmUser.id).join(CrmUser.roles)
             .where(Role.name == role_name, CrmUser.active.is_(True)))
    if department_id is not None:
        query = query.where(CrmUser.department_id == department_id)
    return sorted(set(db.session.scalars(query)))


def pick_assignee(category_id: int | None) -> int | None:
    """By the admin's rule: the category's rule, else the general one; a fixed person or round-robin."""
    rules = list(db.session.scalars(select(TicketAssignmentRule).where(TicketAssignmentRule.active.is_(True))))
    rule = next((r for r in rules if category_id is not None and r.category_id == category_id), None)
    rule = rule or next((r for r in rules if r.category_id is None), None)
    if rule is None:
        return None
    if rule.assignee_id is not None:
        person = db.session.get(CrmUser, rule.assignee_id)
        if person is not None and person.active:
            return person.id
    chosen = round_robin(users_with_role(SERVICE_ROLE, rule.department_id), rule.last_assigned_id)
    if chosen is not None:
        rule.last_assigned_id = chosen
    return chosen


def service_users() -> list[CrmUser]:
    """Who may be given tickets: active Customer Service users."""
    ids = users_with_role(SERVICE_ROLE)
    return list(db.session.scalars(select(CrmUser).where(CrmUser.id.in_(ids)).order_by(CrmUser.username)))


# -- opening --------------------------------------------------------------------------------------
def open_ticket(subject: str, description: str | None = None, *, priority: str = TicketPriority.NORMAL,
                category_id: int | None = None, origin: str = TicketOrigin.OTHER,
                account: Account | None = None, contact: Contact | None = None,
                opportunity: Opportunity | None = None, requester: Requester | None = None,
                match: bool = False) -> tuple[Ticket, str]:
    """Open a ticket and commit; returns it with the raw token of the customer's private link."""
    subject = _clean(subject, MAX_SUBJECT, _l("Enter a subject."))
    requester = requester or Requester()
    if match and account is None and contact is None:
        account, contact = match_customer(requester.mobile, requester.email)
    if contact is not None and account is None:
        account = contact.account
    ticket = Ticket(subject=subject, description=(description or "").strip()[:MAX_BODY] or None,
                    priority=priority, category_id=category_id, origin=origin,
                    account_id=account.id if account else None, contact_id=contact.id if contact else None,
                    opportunity_id=opportunity.id if opportunity else None,
                    requester_name=requester.name, requester_company=requester.company,
                    requester_mobile=requester.mobile, requester_email=requester.email,
                    requester_wechat=requester.wechat)
    token = prepare_new(ticket)
    _commit_with_number(ticket)
    return ticket, token


def prepare_new(ticket: Ticket, now: dt.datetime | None = None) -> str:
    """Everything a new ticket needs before its first save (also used by the staff add form)."""
    now = now or utcnow()
    if ticket.priority not in TicketPriority.labels():
        raise ValidationFailed(_l("Not a valid choice."))
    ticket.status = TicketStatus.NEW
    ticket.created_at = now
    ticket.paused_seconds = 0
    _start_clock(ticket, now)
    if ticket.owner_id is None:
        ticket.owner_id = pick_assignee(ticket.category_id)
    ticket.number = _next_number(now)
    return _new_token(ticket, now)


def _commit_with_number(ticket: Ticket) -> None:
    """Commit; if another ticket took the same number at the same moment, take the next one."""
    for _attempt in range(5):
        try:
            # begin_nested flushes what is pending first; the ticket joins inside the SAVEPOINT
            with db.session.begin_nested():
                db.session.add(ticket)
                db.session.flush()
        except IntegrityError:
            with db.session.no_autoflush:
                ticket.number = _next_number(utcnow(), taken=ticket.number)
            continue
        db.session.commit()
        return
    db.session.rollback()
    raise CrmError(_l("The ticket could not be saved. Please try again."))


def _next_number(now: dt.datetime, taken: str | None = None) -> str:
    prefix = f"T{_local(now):%Y%m%d}-"
    last = db.session.scalar(
        select(Ticket.number).where(Ticket.number.like(prefix + "%"))
        .order_by(func.length(Ticket.number).desc(), Ticket.number.desc()).limit(1)
        .execution_options(include_deleted=True)
    )
    seq = int(last[len(prefix):]) + 1 if last and last[len(prefix):].isdigit() else 1
    if taken and taken.startswith(prefix) and taken[len(prefix):].isdigit():
        seq = max(seq, int(taken[len(prefix):]) + 1)
    return f"{prefix}{seq:04d}"


def _local(moment: dt.datetime) -> dt.datetime:
    from zoneinfo import ZoneInfo

    zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC") if has_app_context() else "UTC"
    return moment.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone))


# -- the customer's private link ------------------------------------------------------------------
def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(ticket: Ticket, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(32)
    ticket.access_token_hash = _hash(token)
    ticket.access_expires_at = now + dt.timedelta(days=link_days())
    return token


def renew_link(ticket_id: int, user) -> str:
    """A new private link for the customer (the old one stops working); shown once."""
    ticket = get_visible(ticket_id, user)
    token = _new_token(ticket, utcnow())
    db.session.commit()
    return token


def ticket_for_token(token: str | None, now: dt.datetime | None = None) -> Ticket | None:
    """The ticket a private link opens, or None for a wrong, expired or deleted one."""
    if not token or len(token) > 128:
        return None
    ticket = db.session.scalar(select(Ticket).where(Ticket.access_token_hash == _hash(token)))
    if ticket is None or ticket.access_expires_at is None or ticket.access_expires_at < (now or utcnow()):
        return None
    return ticket


def customer_messages(ticket: Ticket) -> list[TicketMessage]:
    """What the customer may read: replies from both sides, never internal notes."""
    return list(db.session.scalars(
        select(TicketMessage).where(TicketMessage.ticket_id == ticket.id, TicketMessage.kind != MessageKind.NOTE)
        .order_by(TicketMessage.id)
    ))


# -- the conversation -----------------------------------------------------------------------------
def get_visible(ticket_id: int, user) -> Ticket:
    ticket = db.session.scalar(select(Ticket).where(Ticket.id == ticket_id, visibility_clause(Ticket, user)))
    if ticket is None:
        raise NotFound(_l("Not found."))
    return ticket


def reply(ticket_id: int, user, body: str, *, internal: bool = False, then_status: str | None = None,
          now: dt.datetime | None = None) -> TicketMessage:
    """A staff reply to the customer (starts the work, counts as first response) or an internal note."""
    now = now or utcnow()
    ticket = get_visible(ticket_id, user)
    body = _clean(body, MAX_BODY, _l("Write a message."))
    if not internal and ticket.status == TicketStatus.CLOSED:
        raise CrmError(_l("The ticket is closed. Reopen it to reply."))
    kind = MessageKind.NOTE if internal else MessageKind.STAFF
    message = TicketMessage(ticket_id=ticket.id, kind=kind, body=body, author_id=user.id, created_at=now)
    db.session.add(message)
    if not internal:
        if ticket.first_responded_at is None:
            ticket.first_responded_at = now
        if ticket.status == TicketStatus.NEW:
            _set_status(ticket, TicketStatus.IN_PROGRESS, now)
        # the customer must be able to read the answer: keep the link alive while we talk
        if ticket.access_expires_at is not None:
            ticket.access_expires_at = max(ticket.access_expires_at, now + dt.timedelta(days=link_days()))
    if then_status:
        _set_status(ticket, _status(then_status), now)
    db.session.commit()
    return message


def customer_reply(ticket: Ticket, body: str, now: dt.datetime | None = None) -> TicketMessage:
    """The customer writes through the private link: the clock runs again, a solved ticket reopens."""
    now = now or utcnow()
    body = _clean(body, 5000, _l("Write a message."))
    if ticket.status == TicketStatus.CLOSED:
        raise CrmError(_l("This ticket is closed. Please send a new inquiry."))
    message = TicketMessage(ticket_id=ticket.id, kind=MessageKind.CUSTOMER, body=body, created_at=now)
    db.session.add(message)
    if ticket.status in (TicketStatus.WAITING, TicketStatus.RESOLVED):
        _set_status(ticket, TicketStatus.IN_PROGRESS, now)
    db.session.commit()
    return message


def change_status(ticket_id: int, user, status: str, now: dt.datetime | None = None) -> Ticket:
    ticket = get_visible(ticket_id, user)
    _set_status(ticket, _status(status), now or utcnow())
    db.session.commit()
    return ticket


def assign(ticket_id: int, user, assignee_id: int | None) -> Ticket:
    """Give the ticket to a service user (or nobody)."""
    ticket = get_visible(ticket_id, user)
    if assignee_id is not None and assignee_id not in users_with_role(SERVICE_ROLE) \
            and not _is_admin(db.session.get(CrmUser, assignee_id)):
        raise ValidationFailed(_l("Choose a customer service user."))
    ticket.owner_id = assignee_id
    db.session.commit()
    return ticket


def _is_admin(person) -> bool:
    return person is not None and person.active and any(r.name == "Admin" for r in person.roles)


def on_edited(ticket: Ticket) -> None:
    """After a staff edit: a new priority means new due times (the paused time still counts)."""
    from sqlalchemy import inspect

    if inspect(ticket).attrs.priority.history.has_changes():
        if ticket.priority not in TicketPriority.labels():
            raise ValidationFailed(_l("Not a valid choice."))
        _start_clock(ticket, ticket.created_at, shift=dt.timedelta(seconds=ticket.paused_seconds or 0))
    if ticket.contact_id is not None and ticket.account_id is None:
        contact = db.session.get(Contact, ticket.contact_id)
        ticket.account_id = contact.account_id if contact else None


# -- status and clock -----------------------------------------------------------------------------
def _status(code: str) -> TicketStatus:
    try:
        return TicketStatus(code)
    except ValueError:
        raise ValidationFailed(_l("Not a valid choice.")) from None


def _set_status(ticket: Ticket, new: TicketStatus, now: dt.datetime) -> None:
    old = TicketStatus(ticket.status)
    if new == old:
        return
    if new not in TRANSITIONS[old]:
        raise CrmError(_l("A ticket cannot go from “%(old)s” to “%(new)s”.", old=old.label, new=new.label))
    if old == TicketStatus.WAITING:
        _resume(ticket, now)
    if new == TicketStatus.WAITING:
        ticket.paused_at = now
    if new == TicketStatus.RESOLVED:
        ticket.resolved_at = now
    if new == TicketStatus.CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    if new == TicketStatus.IN_PROGRESS and old in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        ticket.resolved_at = ticket.closed_at = None  # reopened: the resolution is still owed
    ticket.status = new


def _start_clock(ticket: Ticket, start: dt.datetime, shift: dt.timedelta = dt.timedelta()) -> None:
    first, resolution = sla_targets(ticket.priority)
    ticket.first_response_due_at = start + dt.timedelta(minutes=first) + shift
    ticket.resolution_due_at = start + dt.timedelta(minutes=resolution) + shift


def _resume(ticket: Ticket, now: dt.datetime) -> None:
    if ticket.paused_at is None:
        return
    pause = max(now - ticket.paused_at, dt.timedelta())
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        ticket.first_response_due_at += pause
    if ticket.resolved_at is None and ticket.resolution_due_at is not None:
        ticket.resolution_due_at += pause
    ticket.paused_seconds = (ticket.paused_seconds or 0) + int(pause.total_seconds())
    ticket.paused_at = None


def overdue_clause(now: dt.datetime | None = None):
    """SQL twin of `Ticket.overdue`: past a due time while the clock runs."""
    now = now or utcnow()
    return and_(
        Ticket.status.in_(RUNNING_STATUSES),
        or_(and_(Ticket.first_responded_at.is_(None), Ticket.first_response_due_at < now),
            Ticket.resolution_due_at < now),
    )


def open_clause():
    return Ticket.status.in_(OPEN_STATUSES)


def overdue_count(user) -> int:
    return db.session.scalar(
        select(func.count(Ticket.id)).where(overdue_clause(), visibility_clause(Ticket, user))) or 0


def tickets_of(kind: str, pk: int, user, limit: int = 10) -> list[Ticket]:
    """Open tickets first, then the latest closed ones, of an account or contact the user sees."""
    column = {"account": Ticket.account_id, "contact": Ticket.contact_id}[kind]
    return list(db.session.scalars(
        select(Ticket).where(column == pk, visibility_clause(Ticket, user))
        .order_by(Ticket.status.in_(OPEN_STATUSES).desc(), Ticket.created_at.desc()).limit(limit)
    ))


def _clean(value: str | None, limit: int, missing) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(missing)
    if len(text) > limit:
        raise ValidationFailed(_l("Please keep it under %(limit)s characters.", limit=limit))
    return text
