"""Duplicate check 查重 on API edits: the rule of create (app/services/duplicates.py) also guards PUT
and the update half of an upsert: 409 with the candidates' ids, unless ?force=true; an edit that
brings no new mobile, e-mail or company warns about nothing; nothing is half-written."""

from __future__ import annotations

from app.extensions import db
from app.models import Account, Contact, Lead
from tests.factories import make_account, make_contact, make_lead


def _put(client, resource, record, body, **kw):
    return client.put(f"/api/v1/{resource}/{record.id}", json={**body, "version": record.version}, **kw)


def test_changing_a_lead_to_anothers_mobile_answers_409_with_the_candidates(api, users):
    rep = users["Sales Rep"]
    first = make_lead(owner=rep, mobile="13812345678", company_name="甲公司")
    second = make_lead(owner=rep, mobile="13900000001", company_name="乙公司")
    client = api("Sales Rep")

    refused = _put(client, "lead", second, {"mobile": "+86 138-1234-5678"})
    assert refused.status_code == 409, refused.get_json()
    body = refused.get_json()
    assert [(d["entity"], d["id"]) for d in body["duplicates"]] == [("lead", first.id)]
    assert body["duplicates"][0]["matched"] == ["mobile"]
    assert "?force=true" in body["message"] and "已存在" in body["message"]  # zh by default
    english = _put(client, "lead", second, {"mobile": "+86 138-1234-5678"}, query_string={"_l_": "en"})
    assert english.status_code == 409 and english.get_json()["message"].startswith("With this change")
    db.session.expire_all()
    stored = db.session.get(Lead, second.id)
    assert (stored.mobile, stored.version) == ("13900000001", second.version)  # nothing written

    forced = _put(client, "lead", second, {"mobile": "+86 138-1234-5678"}, query_string={"force": "true"})
    assert forced.status_code == 200, forced.get_json()
    assert forced.get_json()["result"]["mobile"] == "+86 138-1234-5678"


def test_an_edit_that_brings_no_new_key_is_not_checked(api, users):
    rep = users["Sales Rep"]
    make_lead(owner=rep, mobile="13812345678")
    twin = make_lead(owner=rep, mobile="13812345678")  # an old duplicate, saved with force
    client = api("Sales Rep")
    other_fields = _put(client, "lead", twin, {"city": "杭州"})
    assert other_fields.status_code == 200, other_fields.get_json()
    db.session.expire_all()
    twin = db.session.get(Lead, twin.id)
    reformatted = _put(client, "lead", twin, {"mobile": "138 1234 5678"})  # same number, other format
    assert reformatted.status_code == 200, reformatted.get_json()
    db.session.expire_all()
    twin = db.session.get(Lead, twin.id)
    assert _put(client, "lead", twin, {"mobile": "13700007777"}).status_code == 200  # a new unique one


def test_the_record_itself_and_records_outside_the_scope_are_not_duplicates(api, users):
    own = make_account(owner=users["Sales Rep"], name="远航科技有限公司")
    make_account(owner=users["Sales Director"], name="星辰贸易有限公司")  # the rep cannot see it
    client = api("Sales Rep")
    assert _put(client, "account", own, {"name": "远航科技（上海）"}).status_code == 200
    db.session.expire_all()
    own = db.session.get(Account, own.id)
    assert _put(client, "account", own, {"name": "星辰贸易 Co., Ltd."}).status_code == 200


def test_accounts_and_contacts_are_checked_on_edit(api, users):
    rep = users["Sales Rep"]
    taken = make_account(owner=rep, name="远航科技有限公司")
    other = make_account(owner=rep, name="蓝海物流")
    client = api("Sales Rep")
    refused = _put(client, "account", other, {"name": "远航科技"})
    assert refused.status_code == 409
    assert {(d["entity"], d["id"]) for d in refused.get_json()["duplicates"]} >= {("account", taken.id)}

    known = make_contact(owner=rep, email="li@example.com")
    contact = make_contact(owner=rep, email="wang@example.com")
    refused = _put(client, "contact", contact, {"email": " LI@example.com "})
    assert refused.status_code == 409
    assert [(d["entity"], d["id"]) for d in refused.get_json()["duplicates"]] == [("contact", known.id)]
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).email == "wang@example.com"


def test_the_update_half_of_an_upsert_is_checked_too(api, users):
    rep = users["Sales Rep"]
    first = make_lead(owner=rep, mobile="13812345678")
    client = api("Sales Rep")
    created = client.put("/api/v1/lead/by-external-id/ERP-7", json={"person_name": "钱七", "mobile": "13600000007"})
    assert created.status_code == 201, created.get_json()
    again = client.put("/api/v1/lead/by-external-id/ERP-7", json={"mobile": "13812345678"})
    assert again.status_code == 409
    assert [d["id"] for d in again.get_json()["duplicates"]] == [first.id]
    forced = client.put("/api/v1/lead/by-external-id/ERP-7", json={"mobile": "13812345678"},
                        query_string={"force": "1"})
    assert forced.status_code == 200
