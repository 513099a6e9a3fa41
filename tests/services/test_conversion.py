"""Lead conversion: onto a new or an existing account, once only, in bulk with mixed outcomes."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, Activity, Contact, History, Lead, Note, Opportunity, Stage
from app.models.actor import acting_as
from app.services.conversion import AlreadyConverted, convert_lead, convert_leads, existing_accounts
from app.services.errors import NotFound, ValidationFailed
from tests.factories import (
    make_account,
    make_activity,
    make_contact,
    make_lead,
    make_note,
    make_tag,
    make_user,
)
from tests.factories import stage as a_stage


def _count(model):
    return db.session.scalar(select(func.count(model.id)).execution_options(include_deleted=True))


def test_convert_onto_a_new_account_contact_and_opportunity(users):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, person_name="王伟", company_name="明远科技有限公司", mobile="13800138000",
                     email="wang@my.cn", title="采购经理", industry="it", city="上海")
    tag = make_tag()
    with acting_as(rep.id):
        db.session.get(Lead, lead.id).tags.append(tag)
        db.session.commit()
    note = make_note(author=rep, lead_id=lead.id)
    activity = make_activity(owner=rep, lead_id=lead.id)
    second_stage = a_stage(order=1)

    with acting_as(rep.id, "ui"):
        result = convert_lead(lead.id, rep, create_opportunity=True, opportunity={
            "name": "明远 ERP 项目", "amount": "120,000.50", "stage_id": second_stage.id,
            "expected_close_date": "2027-03-31"})

    db.session.expire_all()
    account = db.session.get(Account, result.account_id)
    contact = db.session.get(Contact, result.contact_id)
    deal = db.session.get(Opportunity, result.opportunity_id)
    assert result.account_created and result.contact_created
    assert (account.name, account.industry, account.city, account.owner_id) == ("明远科技有限公司", "it", "上海", rep.id)
    assert [t.id for t in account.tags] == [tag.id]
    assert (contact.name, contact.mobile, contact.email, contact.title) == ("王伟", "13800138000", "wang@my.cn", "采购经理")
    assert contact.account_id == account.id and contact.is_primary
    assert (deal.name, deal.amount, deal.stage_id) == ("明远 ERP 项目", Decimal("120000.50"), second_stage.id)
    assert deal.expected_close_date == dt.date(2027, 3, 31)
    assert (deal.account_id, deal.contact_id, deal.source_lead_id, deal.owner_id) == (account.id, contact.id, lead.id, rep.id)
    # notes and activities moved along to the opportunity
    assert db.session.get(Note, note.id).opportunity_id == deal.id and db.session.get(Note, note.id).lead_id is None
    assert db.session.get(Activity, activity.id).opportunity_id == deal.id
    assert result.moved == {"activity": 1, "note": 1}
    converted = db.session.get(Lead, lead.id)  # still readable
    assert converted.status == "converted" and converted.converted_by_id == rep.id
    assert (converted.converted_account_id, converted.converted_contact_id, converted.converted_opportunity_id) == (
        account.id, contact.id, deal.id)
    assert converted.converted_at is not None
    entry = db.session.scalars(select(History).where(History.entity == "lead", History.record_id == lead.id)
                               .order_by(History.id.desc())).first()
    assert entry.action == "convert" and entry.door == "ui" and entry.changes["status"] == ["new", "converted"]
    created = db.session.scalars(select(History).where(History.entity == "opportunity",
                                                       History.record_id == deal.id)).one()
    assert created.action == "convert" and f"#{lead.id}" in created.note


def test_convert_onto_an_existing_account_links_it_and_activities_go_to_the_account(users):
    rep = users["Sales Rep"]
    account = make_account(owner=rep, name="明远科技")
    lead = make_lead(owner=rep, company_name="明远科技有限公司", person_name="李雷")
    activity = make_activity(owner=rep, lead_id=lead.id)
    assert [c.id for c in existing_accounts(lead, rep)] == [account.id]  # offered first
    accounts_before = _count(Account)

    result = convert_lead(lead.id, rep, account_id=account.id)

    assert not result.account_created and result.account_id == account.id
    assert result.opportunity_id is None
    assert _count(Account) == accounts_before
    contact = db.session.get(Contact, result.contact_id)
    assert contact.account_id == account.id
    assert db.session.get(Activity, activity.id).account_id == account.id


def test_existing_contact_is_linked_and_a_contact_of_another_account_refused(users):
    rep = users["Sales Rep"]
    account, other = make_account(owner=rep), make_account(owner=rep)
    loose = make_contact(owner=rep)
    taken = make_contact(account=other, owner=rep)
    lead = make_lead(owner=rep)
    with pytest.raises(ValidationFailed):
        convert_lead(lead.id, rep, account_id=account.id, contact_id=taken.id)
    assert db.session.get(Lead, lead.id).status == "new"
    result = convert_lead(lead.id, rep, account_id=account.id, contact_id=loose.id)
    assert result.contact_id == loose.id and not result.contact_created
    assert db.session.get(Contact, loose.id).account_id == account.id


def test_reuse_account_links_a_duplicate_by_company_name(users):
    rep = users["Sales Rep"]
    account = make_account(owner=rep, name="ACME Inc.")
    lead = make_lead(owner=rep, company_name="Acme Co., Ltd.")
    assert convert_lead(lead.id, rep, reuse_account=True).account_id == account.id


def test_converting_twice_is_refused_and_changes_nothing(users):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep)
    convert_lead(lead.id, rep, create_opportunity=True)
    counts = {m: _count(m) for m in (Account, Contact, Opportunity)}
    history = _count(History)
    version = db.session.get(Lead, lead.id).version
    with pytest.raises(AlreadyConverted) as raised:
        convert_lead(lead.id, rep, create_opportunity=True)
    assert raised.value.status_code == 409 and str(db.session.get(Lead, lead.id)) in str(raised.value.message)
    assert {m: _count(m) for m in counts} == counts
    assert _count(History) == history
    assert db.session.get(Lead, lead.id).version == version


def test_out_of_scope_lead_or_account_is_not_found(users):
    rep = users["Sales Rep"]
    colleague = make_user("colleague_conv", "Sales Rep")
    theirs = make_lead(owner=colleague)
    their_account = make_account(owner=colleague)
    mine = make_lead(owner=rep)
    with pytest.raises(NotFound):
        convert_lead(theirs.id, rep)
    with pytest.raises(NotFound):
        convert_lead(mine.id, rep, account_id=their_account.id)
    assert db.session.get(Lead, mine.id).converted_at is None
    assert _count(Contact) == 0


@pytest.mark.parametrize("values", [{"amount": "abc"}, {"amount": "-1"}, {"expected_close_date": "31/03/2027"},
                                    {"stage_id": 99999}, {"currency": "XYZ"}])
def test_invalid_opportunity_values_change_nothing(users, values):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep)
    with pytest.raises(ValidationFailed):
        convert_lead(lead.id, rep, create_opportunity=True, opportunity=values)
    assert _count(Account) == 0 and _count(Opportunity) == 0
    assert db.session.get(Lead, lead.id).status == "new"


def test_a_lost_stage_is_refused(users):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep)
    lost = db.session.scalar(select(Stage).where(Stage.is_lost))
    with pytest.raises(ValidationFailed):
        convert_lead(lead.id, rep, create_opportunity=True, opportunity={"stage_id": lost.id})


def test_pool_lead_conversion_makes_the_converter_owner_of_the_new_records(users):
    rep = users["Sales Rep"]
    lead = make_lead(owner=None, person_name=None, company_name="公海公司")
    result = convert_lead(lead.id, rep, create_opportunity=True)
    assert result.contact_id is None  # no person to make a contact of
    assert db.session.get(Account, result.account_id).owner_id == rep.id
    assert db.session.get(Opportunity, result.opportunity_id).owner_id == rep.id


def test_bulk_conversion_reports_each_lead(users):
    rep = users["Sales Rep"]
    colleague = make_user("colleague_bulk", "Sales Rep")
    fresh = make_lead(owner=rep, company_name="新客户甲")
    duplicate_company = make_lead(owner=rep, company_name="老客户有限公司")
    existing = make_account(owner=rep, name="老客户")
    done = make_lead(owner=rep)
    convert_lead(done.id, rep)
    theirs = make_lead(owner=colleague)

    outcomes = convert_leads([fresh.id, duplicate_company.id, done.id, theirs.id, fresh.id], rep,
                             create_opportunity=True)

    assert [o.lead_id for o in outcomes] == [fresh.id, duplicate_company.id, done.id, theirs.id]
    assert [o.ok for o in outcomes] == [True, True, False, False]
    assert outcomes[0].result.account_created
    assert outcomes[1].result.account_id == existing.id and not outcomes[1].result.account_created
    assert outcomes[2].error is not None and outcomes[2].result is None
    assert outcomes[3].error is not None
    assert db.session.get(Lead, fresh.id).status == "converted"
    assert db.session.get(Lead, theirs.id).status == "new"
    assert _count(Opportunity) == 2
