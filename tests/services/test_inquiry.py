"""The inquiry form's service: a prospect becomes a lead + task by the admin's rule; a customer
becomes a ticket matched to their account; invalid input stores nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Activity, Department, InquiryRule, Lead, LeadSource, Ticket
from app.services import inquiry, tickets
from tests.factories import make_account, make_contact, make_user


def _ask(**over) -> inquiry.Outcome:
    fields = dict(name="王小明", company="明远科技", mobile="13612345678", question="你们的设备支持远程运维吗？")
    fields.update(over)
    return inquiry.submit(inquiry.Inquiry(**fields))


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_prospect_becomes_a_pool_lead_with_a_task_by_default(app_ctx):
    outcome = _ask()
    lead = outcome.lead
    assert lead.channel == "online" and lead.owner_id is None and lead.status == "new"
    assert db.session.get(LeadSource, lead.source_id).name_en == "Website"
    assert lead.description == "你们的设备支持远程运维吗？" and lead.mobile_key == "13612345678"
    task = outcome.task
    assert task.type == "task" and task.lead_id == lead.id and task.owner_id is None
    assert task.due_at > lead.created_at and task.done_at is None
    assert _count(Ticket) == 0


def test_round_robin_among_the_departments_reps(app_ctx, users):
    team = Department(name="线上销售部")
    db.session.add(team)
    db.session.commit()
    reps = sorted(make_user(role="Sales Rep", department=team).id for _ in range(2))
    make_user(role="Customer Service", department=team)  # not a rep: never chosen
    rule = inquiry.rule()
    rule.department_id, rule.task_due_hours = team.id, 2
    db.session.commit()
    outcomes = [_ask(mobile=f"1361234000{i}") for i in range(3)]
    assert [o.lead.owner_id for o in outcomes] == [reps[0], reps[1], reps[0]]
    assert [o.task.owner_id for o in outcomes] == [reps[0], reps[1], reps[0]]
    first = outcomes[0]
    assert (first.task.due_at - first.lead.created_at).total_seconds() == pytest.approx(7200, abs=5)


def test_department_without_reps_sends_to_the_pool(app_ctx):
    empty = Department(name="空部门")
    db.session.add(empty)
    db.session.commit()
    inquiry.rule().department_id = empty.id
    db.session.commit()
    assert _ask().lead.owner_id is None


def test_existing_customer_becomes_a_matched_ticket(app_ctx):
    tickets.seed_ticket_defaults()
    account = make_account()
    contact = make_contact(account=account, email="wang@mingyuan.cn", mobile=None)
    outcome = _ask(kind="customer", mobile="", email="WANG@mingyuan.cn", question="发票抬头开错了\n请重开")
    ticket = outcome.ticket
    assert (ticket.account_id, ticket.contact_id) == (account.id, contact.id)
    assert ticket.subject == "发票抬头开错了" and ticket.origin == "web" and ticket.requester_name == "王小明"
    assert outcome.token and tickets.ticket_for_token(outcome.token) == ticket
    assert _count(Lead) == 0 and _count(Activity) == 0


def test_unknown_customer_ticket_stays_unmatched(app_ctx):
    ticket = _ask(kind="customer", mobile="13000000001").ticket
    assert ticket.account_id is None and ticket.contact_id is None
    assert ticket.requester_mobile == "13000000001"


@pytest.mark.parametrize("over,field", [
    (dict(name=""), "name"),
    (dict(question="  "), "question"),
    (dict(mobile="", email="", wechat=""), "mobile"),
    (dict(mobile="12"), "mobile"),
    (dict(mobile="", email="not-an-email"), "email"),
    (dict(question="问" * 2001), "question"),
    (dict(company="公" * 201), "company"),
    (dict(kind="robot"), "kind"),
])
def test_invalid_inquiries_store_nothing(app_ctx, over, field):
    with pytest.raises(inquiry.InquiryInvalid) as caught:
        _ask(**over)
    assert field in caught.value.errors
    assert _count(Lead) == _count(Activity) == _count(Ticket) == 0


def test_wechat_alone_is_enough(app_ctx):
    assert _ask(mobile="", wechat="wxid_abc").lead.wechat == "wxid_abc"


def test_rule_row_is_created_once(app_ctx):
    inquiry.rule()
    inquiry.rule()
    db.session.commit()
    assert _count(InquiryRule) == 1
