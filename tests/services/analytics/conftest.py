"""A small, fully known sales organisation's records for the analytics tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Account, Activity, Department, Lead, Opportunity, utcnow
from tests.factories import (
    first_source,
    make_account,
    make_activity,
    make_lead,
    make_opportunity,
    make_user,
    stage,
)


def set_created(model, obj, when: dt.datetime) -> None:
    db.session.execute(update(model).where(model.id == obj.id).values(created_at=when))
    db.session.commit()


@pytest.fixture
def world(users):
    """Leads, accounts, opportunities and activities of the east rep, an east colleague, a north
    rep and the public pool; dates inside this month, last year and overdue."""
    east = db.session.scalar(select(Department).where(Department.name == "华东销售部"))
    north = db.session.scalar(select(Department).where(Department.name == "华北销售部"))
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    colleague = make_user("east_colleague", "Sales Rep", department=east, manager_id=manager.id)
    north_rep = make_user("north_rep", "Sales Rep", department=north)
    now = utcnow() - dt.timedelta(minutes=5)
    web, fair = first_source("online"), first_source("offline")
    won, lost = stage(won=True), stage(lost=True)
    open1, open3 = stage(order=0), stage(order=2)

    # opportunities: (owner, stage, amount, closed_at, currency)
    acc_rep = make_account(owner=rep, industry="it", level="A", province="上海", source_id=web.id)
    acc_north = make_account(owner=north_rep, industry="finance", level="B", province="北京", source_id=fair.id)
    acc_pool = make_account(owner=None, industry="it", level="C", province="上海")
    db.session.execute(update(Account).where(Account.id == acc_rep.id).values(last_followup_at=now))
    db.session.commit()
    opp = {}
    specs = {
        "rep_won": (rep, won, "100000", now, "CNY", acc_rep),
        "rep_won_usd": (rep, won, "5000", now, "USD", acc_rep),
        "rep_open": (rep, open3, "40000", None, "CNY", acc_rep),
        "colleague_won": (colleague, won, "30000", now, "CNY", acc_rep),
        "colleague_lost": (colleague, lost, "20000", now, "CNY", acc_rep),
        "north_won": (north_rep, won, "70000", now, "CNY", acc_north),
        "north_open": (north_rep, open1, "60000", None, "CNY", acc_north),
        "north_won_last_year": (north_rep, won, "11000", now - dt.timedelta(days=365), "CNY", acc_north),
    }
    for name, (owner, st, amount, closed, currency, account) in specs.items():
        opp[name] = make_opportunity(account=account, owner=owner, stage_id=st.id, amount=Decimal(amount),
                                     closed_at=closed, currency=currency,
                                     expected_close_date=dt.date.today() + dt.timedelta(days=3))

    # leads: (owner, status, channel, source, converted opportunity)
    lead_specs = [
        (rep, "new", "online", web, None),
        (rep, "qualified", "online", web, None),
        (rep, "converted", "online", web, opp["rep_won"]),
        (rep, "converted", "offline", fair, opp["rep_open"]),
        (colleague, "unqualified", "offline", fair, None),
        (colleague, "converted", "referral", None, opp["colleague_lost"]),
        (north_rep, "converted", "online", web, opp["north_won"]),
        (north_rep, "contacted", "offline", fair, None),
        (None, "new", "online", web, None),
    ]
    leads = []
    for owner, status, channel, source, converted in lead_specs:
        lead = make_lead(owner=owner, status=status, channel=channel, source_id=source.id if source else None,
                         converted_opportunity_id=converted.id if converted else None,
                         converted_at=now if status == "converted" else None)
        leads.append(lead)
        if converted is not None:
            db.session.execute(update(Opportunity).where(Opportunity.id == converted.id)
                               .values(source_lead_id=lead.id))
    old = make_lead(owner=rep, status="converted", channel="online", source_id=web.id)
    set_created(Lead, old, now - dt.timedelta(days=400))
    db.session.commit()

    # activities: (owner, type, done, due)
    acts = [
        (rep, "call", True, now - dt.timedelta(hours=3)),
        (rep, "visit", False, now - dt.timedelta(hours=2)),  # overdue
        (rep, "call", False, now + dt.timedelta(days=2)),
        (colleague, "meeting", True, now - dt.timedelta(hours=1)),
        (north_rep, "call", False, now - dt.timedelta(hours=5)),  # overdue
    ]
    for owner, kind, done, due in acts:
        make_activity(owner=owner, type=kind, due_at=due, done_at=now if done else None,
                      account_id=acc_rep.id if owner is not north_rep else acc_north.id)
    return {"rep": rep, "manager": manager, "colleague": colleague, "north_rep": north_rep,
            "executive": users["Executive"], "director": users["Sales Director"], "east": east,
            "north": north, "opp": opp, "leads": leads, "accounts": (acc_rep, acc_north, acc_pool),
            "now": now, "activity_model": Activity}


@pytest.fixture
def custom_world(world):
    """`world` plus custom fields on leads (single choice, yes/no, user, date; one restricted to
    executives, one retired, one hidden, one text) and values on the world's leads."""
    from flask_babel import force_locale

    from app.services import custom_fields as cf
    from app.services.analytics.filters import add_months, month_start, today

    def make(zh, en, kind, **over):
        data = cf.FieldInput(zh, en, kind=kind, **over)
        return cf.create_field("lead", data)

    regions = "华东 | East\n华北 | North\n华南 | South"
    with force_locale("en"):
        fields = {
            "region": make("大区", "Region", "choice", choices_text=regions),
            "vip": make("重点客户", "VIP", "yes_no"),
            "referrer": make("推荐人", "Referrer", "user"),
            "visit": make("拜访日期", "Visit date", "date"),
            "secret": make("内部评级", "Internal grade", "choice", choices_text="甲 | A\n乙 | B",
                           view_roles=["Executive", "Sales Director"]),
            "old": make("旧分类", "Old class", "choice", choices_text="一 | One"),
            "hidden": make("隐藏分类", "Hidden class", "choice", choices_text="一 | One"),
            "remark": make("备注二", "Remark two", "text"),
        }
    cf.retire_field(fields["old"].id)
    cf.set_hidden(fields["hidden"].id, True)
    this_month = month_start(today())
    visit_now = this_month.isoformat()
    visit_before = add_months(this_month, -1).replace(day=15).isoformat()
    rep, colleague, north = world["rep"], world["colleague"], world["north_rep"]
    k = {name: f.key for name, f in fields.items()}
    values = [
        {k["region"]: "c1", k["vip"]: True, k["referrer"]: colleague.id, k["visit"]: visit_now,
         k["secret"]: "c1", k["old"]: "c1", k["hidden"]: "c1"},
        {k["region"]: "c2", k["vip"]: False, k["visit"]: visit_before, k["secret"]: "c2"},
        {k["region"]: "c1", k["vip"]: True, k["referrer"]: rep.id, k["visit"]: visit_now},
        {},
        {k["region"]: "c3", k["vip"]: True},
        {k["region"]: "c1", k["remark"]: "x"},
        {k["region"]: "c2", k["vip"]: False, k["referrer"]: north.id, k["visit"]: visit_before},
        {},
        {k["region"]: "c1"},
    ]
    for lead, custom in zip(world["leads"], values, strict=True):
        db.session.execute(update(Lead).where(Lead.id == lead.id).values(custom=custom or None))
    db.session.commit()
    return {**world, "fields": fields, "keys": k, "visit_now": visit_now, "visit_before": visit_before}
