"""Operations over the API: claim and release (公海), convert a lead, merge duplicates."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, History, Lead, Note, Opportunity
from tests.factories import make_account, make_contact, make_lead, make_note, make_user, stage


def test_claim_and_release_through_the_api(api, users):
    lead = make_lead(owner=None)
    client = api("Sales Rep")
    claimed = client.post(f"/api/v1/lead/{lead.id}/claim")
    assert claimed.status_code == 200, claimed.get_json()
    assert claimed.get_json()["result"]["owner_id"] == users["Sales Rep"].id
    assert client.post(f"/api/v1/lead/{lead.id}/claim").status_code == 409  # already yours
    assert client.post(f"/api/v1/lead/{lead.id}/release", json={}).status_code == 422  # no reason
    released = client.post(f"/api/v1/lead/{lead.id}/release", json={"reason": "客户暂无需求"})
    assert released.status_code == 200 and released.get_json()["result"]["owner_id"] is None
    actions = [(h.action, h.door) for h in db.session.scalars(
        select(History).where(History.entity == "lead", History.record_id == lead.id).order_by(History.id))]
    assert ("claim", "api") in actions and ("release", "api") in actions


def test_pool_operations_respect_the_scope(api, users):
    colleague = make_user("rep_pool", "Sales Rep", department=users["Sales Rep"].department)
    theirs = make_account(owner=colleague)
    client = api("Sales Rep")
    assert client.post(f"/api/v1/account/{theirs.id}/claim").status_code in (404, 409)
    assert client.post(f"/api/v1/account/{theirs.id}/release", json={"reason": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(type(theirs), theirs.id).owner_id == colleague.id


def test_convert_a_lead(api, users):
    pytest.importorskip("app.services.conversion")
    lead = make_lead(owner=users["Sales Rep"], company_name="蓝天软件有限公司")
    client = api("Sales Rep")
    converted = client.post(f"/api/v1/lead/{lead.id}/convert", json={})
    assert converted.status_code == 200, converted.get_json()
    result = converted.get_json()["result"]
    assert result["lead_id"] == lead.id and result["account_id"]
    again = client.post(f"/api/v1/lead/{lead.id}/convert", json={})
    assert again.status_code == 409
    assert client.post(f"/api/v1/lead/{lead.id}/convert", json={"account_id": "x"}).status_code == 422
    colleague = make_user("rep_conv", "Sales Rep", department=users["Sales Rep"].department)
    theirs = make_lead(owner=colleague)
    assert client.post(f"/api/v1/lead/{theirs.id}/convert", json={}).status_code == 404


def test_merge_duplicates(api, users):
    pytest.importorskip("app.services.merge")
    keep = make_lead(owner=users["Sales Rep"], mobile="13812345678")
    dup = make_lead(owner=users["Sales Rep"], mobile="13812345678", city="上海")
    client = api("Sales Rep")
    assert client.post("/api/v1/lead/merge", json={"survivor_id": keep.id}).status_code == 422
    merged = client.post("/api/v1/lead/merge", json={"survivor_id": keep.id, "other_ids": [dup.id]})
    assert merged.status_code == 200, merged.get_json()
    assert client.get(f"/api/v1/lead/{dup.id}").status_code == 404
    colleague = make_user("rep_merge", "Sales Rep", department=users["Sales Rep"].department)
    theirs = make_lead(owner=colleague)
    refused = client.post("/api/v1/lead/merge", json={"survivor_id": keep.id, "other_ids": [theirs.id]})
    assert refused.status_code == 404
    db.session.expire_all()
    assert db.session.get(Lead, theirs.id) is not None


def test_convert_onto_an_existing_account_with_an_opportunity(api, users):
    rep = users["Sales Rep"]
    account = make_account(owner=rep, name="蓝天软件有限公司")
    lead = make_lead(owner=rep, company_name="蓝天软件")
    make_note(author=rep, lead_id=lead.id, text="想要报价")
    client = api("Sales Rep")
    converted = client.post(f"/api/v1/lead/{lead.id}/convert", json={
        "account_id": account.id, "create_opportunity": True,
        "opportunity": {"name": "年度订阅", "amount": "80000", "stage_id": stage().id}})
    assert converted.status_code == 200, converted.get_json()
    result = converted.get_json()["result"]
    assert result["account_id"] == account.id and result["account_created"] is False
    assert result["opportunity_id"] and result["moved"]["note"] == 1
    db.session.expire_all()
    deal = db.session.get(Opportunity, result["opportunity_id"])
    assert (deal.account_id, deal.source_lead_id, deal.name) == (account.id, lead.id, "年度订阅")
    assert db.session.scalar(select(Note.opportunity_id).where(Note.text == "想要报价")) == deal.id
    assert db.session.scalar(select(func.count(Account.id))) == 1  # linked, not created
    assert client.get(f"/api/v1/lead/{lead.id}").get_json()["result"]["converted_account_id"] == account.id


def test_bulk_conversion_reports_per_lead(api, users):
    rep = users["Sales Rep"]
    fresh = make_lead(owner=rep, company_name="新客户甲")
    done = make_lead(owner=rep, company_name="新客户乙")
    colleague = make_user("rep_bulk", "Sales Rep", department=rep.department)
    theirs = make_lead(owner=colleague)
    client = api("Sales Rep")
    assert client.post(f"/api/v1/lead/{done.id}/convert", json={}).status_code == 200
    answer = client.post("/api/v1/lead/convert", json={"ids": [fresh.id, done.id, theirs.id]})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["converted"], body["refused"]) == (1, 2)
    by_id = {row["lead_id"]: row for row in body["result"]}
    assert by_id[fresh.id]["ok"] and by_id[fresh.id]["result"]["account_id"]
    assert not by_id[done.id]["ok"] and by_id[done.id]["error"]
    assert not by_id[theirs.id]["ok"]
    db.session.expire_all()
    assert db.session.get(Lead, theirs.id).converted_at is None
    assert client.post("/api/v1/lead/convert", json={"ids": []}).status_code == 422
    assert client.post("/api/v1/lead/convert", json={"ids": [fresh.id], "create_contact": "yes"}).status_code == 422


def test_duplicates_on_create_match_across_types_and_formats(api, users):
    rep = users["Sales Rep"]
    contact = make_contact(owner=rep, mobile="13812345678")
    client = api("Sales Rep")
    refused = client.post("/api/v1/lead/", json={"person_name": "周九", "mobile": "+86 138 1234 5678"})
    assert refused.status_code == 409
    assert [(d["entity"], d["id"]) for d in refused.get_json()["duplicates"]] == [("contact", contact.id)]
    assert db.session.scalar(select(func.count(Lead.id))) == 0  # nothing written
    forced = client.post("/api/v1/lead/", json={"person_name": "周九", "mobile": "+86 138 1234 5678"},
                         query_string={"force": "true"})
    assert forced.status_code == 201

