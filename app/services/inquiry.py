"""The public inquiry form 在线咨询: what an outside person's question becomes.

A prospect's inquiry becomes a lead (channel online, the rule's source — website by default)
assigned by the admin's rule — round-robin among a department's sales reps, or the public pool —
plus a task for the assignee to answer it. An existing customer's inquiry becomes a ticket,
matched to the account and contact by mobile / e-mail. One transaction either way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Activity,
    ActivityType,
    Channel,
    InquiryRule,
    Lead,
    LeadSource,
    LeadStatus,
    Ticket,
    TicketOrigin,
    utcnow,
)
from app.models.actor import acting_as

from . import tickets
from .errors import ValidationFailed
from .validation import is_valid_email, is_valid_phone

PROSPECT, CUSTOMER = "prospect", "customer"
LIMITS = {"name": 100, "company": 200, "mobile": 32, "email": 254, "wechat": 64, "question": 2000}
SALES_ROLE = "Sales Rep"


@dataclass
class Inquiry:
    name: str = ""
    company: str = ""
    mobile: str = ""
    email: str = ""
    wechat: str = ""
    question: str = ""
    kind: str = PROSPECT


@dataclass
class Outcome:
    lead: Lead | None = None
    task: Activity | None = None
    ticket: Ticket | None = None
    token: str | None = None  # the customer's private link, shown once


class InquiryInvalid(ValidationFailed):
    def __init__(self, errors: dict[str, object]) -> None:
        super().__init__(_l("Please check the form."))
        self.errors = errors


def validate(inquiry: Inquiry) -> dict[str, str | None]:
    """Trimmed values, or InquiryInvalid with a translated message per field."""
    values = {name: (getattr(inquiry, name) or "").strip() or None for name in LIMITS}
    errors: dict[str, object] = {}
    for name, limit in LIMITS.items():
        if values[name] and len(values[name]) > limit:
            errors[name] = _l("Please keep it under %(limit)s characters.", limit=limit)
    if not values["name"]:
        errors.setdefault("name", _l("Please tell us your name."))
    if not values["question"]:
        errors.setdefault("question", _l("Please write your question."))
    if not (values["mobile"] or values["email"] or values["wechat"]):
        errors.setdefault("mobile", _l("Leave at least one way to reach you: mobile, e-mail or WeChat."))
    if values["mobile"] and not is_valid_phone(values["mobile"]):
        errors.setdefault("mobile", _l("Enter a valid phone number."))
    if values["email"] and not is_valid_email(values["email"]):
        errors.setdefault("email", _l("Enter a valid e-mail address."))
    if inquiry.kind not in (PROSPECT, CUSTOMER):
        errors["kind"] = _l("Not a valid choice.")
    if errors:
        raise InquiryInvalid(errors)
    return values


def rule() -> InquiryRule:
    """The one inquiry rule (created with its defaults on first use)."""
    found = db.session.get(InquiryRule, 1)
    if found is None:
        website = db.session.scalar(select(LeadSource.id).where(
            LeadSource.channel == Channel.ONLINE, LeadSource.name_en == "Website"))
        found = InquiryRule(id=1, source_id=website, task_due_hours=4)
        db.session.add(found)
        db.session.flush()
    return found


def submit(inquiry: Inquiry, now: dt.datetime | None = None) -> Outcome:
    """Validate and store an inquiry. Raises InquiryInvalid; commits on success."""
    values = validate(inquiry)
    now = now or utcnow()
    with acting_as(None, "ui"):  # written by nobody we know: the system actor
        if inquiry.kind == CUSTOMER:
            return _as_ticket(values)
        return _as_lead(values, now)


def _as_lead(values: dict, now: dt.datetime) -> Outcome:
    settings = rule()
    owner_id = None
    if settings.department_id is not None:
        owner_id = tickets.round_robin(tickets.users_with_role(SALES_ROLE, settings.department_id),
                                       settings.last_assigned_id)
        if owner_id is not None:
            settings.last_assigned_id = owner_id
    question = values["question"]
    lead = Lead(person_name=values["name"], company_name=values["company"], mobile=values["mobile"],
                email=values["email"].lower() if values["email"] else None, wechat=values["wechat"],
                channel=Channel.ONLINE, source_id=settings.source_id, status=LeadStatus.NEW,
                description=question, owner_id=owner_id)
    db.session.add(lead)
    db.session.flush()
    task = Activity(type=ActivityType.TASK, lead_id=lead.id, owner_id=owner_id,
                    subject=str(_l("Answer the online inquiry from %(name)s", name=values["name"]))[:200],
                    due_at=now + dt.timedelta(hours=settings.task_due_hours or 4),
                    outcome=None)
    db.session.add(task)
    db.session.commit()
    return Outcome(lead=lead, task=task)


def _as_ticket(values: dict) -> Outcome:
    subject = values["question"].splitlines()[0][:80]
    requester = tickets.Requester(values["name"], values["company"], values["mobile"], values["email"],
                                  values["wechat"])
    ticket, token = tickets.open_ticket(subject, values["question"], origin=TicketOrigin.WEB,
                                        requester=requester, match=True)
    return Outcome(ticket=ticket, token=token)
