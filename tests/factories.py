"""Factories: each test builds just the rows it needs. Every argument can be overridden."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Account,
    Activity,
    Contact,
    CrmUser,
    Lead,
    LeadSource,
    Note,
    Opportunity,
    Stage,
    Tag,
    utcnow,
)
from app.models.actor import acting_as

_seq = itertools.count(1)


def _save(obj, actor_id=None):
    with acting_as(actor_id):
        db.session.add(obj)
        db.session.commit()
    return obj


def make_user(username=None, role="Sales Rep", department=None, password="Test-Passw0rd!", **over):
    sm = current_app.appbuilder.sm
    n = next(_seq)
    username = username or f"user{n}"
    user = sm.add_user(username, over.pop("first_name", "Test"), over.pop("last_name", f"User{n}"),
                       f"{username}@example.com", sm.find_role(role), password)
    assert user, f"could not create {username}"
    user = db.session.get(CrmUser, user.id)
    if department is not None:
        user.department_id = department.id
    for key, value in over.items():
        setattr(user, key, value)
    db.session.commit()
    return user


def first_source(channel="online") -> LeadSource:
    return db.session.scalar(select(LeadSource).where(LeadSource.channel == channel))


def stage(won=False, lost=False, order=0) -> Stage:
    query = select(Stage).where(Stage.is_won == won, Stage.is_lost == lost).order_by(Stage.sort_order)
    return db.session.scalars(query).all()[order]


def make_lead(owner=None, **over) -> Lead:
    n = next(_seq)
    fields = dict(person_name=f"张{n}", company_name=f"测试公司{n}", mobile=f"1380000{n:04d}",
                  channel="online", status="new", owner_id=owner.id if owner else None)
    fields.update(over)
    return _save(Lead(**fields), owner.id if owner else None)


def make_leads(n: int, owner=None, **over) -> list[Lead]:
    return [make_lead(owner=owner, **over) for _ in range(n)]


def make_account(owner=None, **over) -> Account:
    n = next(_seq)
    fields = dict(name=f"客户公司{n}", industry="manufacturing", level="B",
                  owner_id=owner.id if owner else None)
    fields.update(over)
    return _save(Account(**fields), owner.id if owner else None)


def make_contact(account=None, owner=None, **over) -> Contact:
    n = next(_seq)
    fields = dict(name=f"李{n}", mobile=f"1390000{n:04d}", account_id=account.id if account else None,
                  owner_id=owner.id if owner else None)
    fields.update(over)
    return _save(Contact(**fields), owner.id if owner else None)


def make_opportunity(account=None, owner=None, **over) -> Opportunity:
    n = next(_seq)
    account = account or make_account(owner=owner)
    fields = dict(name=f"商机{n}", account_id=account.id, amount=Decimal("10000"),
                  stage_id=stage().id, owner_id=owner.id if owner else None,
                  expected_close_date=dt.date.today() + dt.timedelta(days=30))
    fields.update(over)
    return _save(Opportunity(**fields), owner.id if owner else None)


def make_activity(owner=None, **over) -> Activity:
    n = next(_seq)
    if not any(k in over for k in ("lead_id", "account_id", "contact_id", "opportunity_id")):
        over["account_id"] = make_account(owner=owner).id
    fields = dict(type="call", subject=f"回访{n}", due_at=utcnow() + dt.timedelta(hours=2),
                  owner_id=owner.id if owner else None)
    fields.update(over)
    return _save(Activity(**fields), owner.id if owner else None)


def make_note(author=None, **over) -> Note:
    if not any(k in over for k in ("lead_id", "account_id", "contact_id", "opportunity_id")):
        over["account_id"] = make_account(owner=author).id
    fields = dict(text="客户希望下周再联系")
    fields.update(over)
    return _save(Note(**fields), author.id if author else None)


def make_tag(**over) -> Tag:
    n = next(_seq)
    fields = dict(name=f"标签{n}")
    fields.update(over)
    return _save(Tag(**fields))
