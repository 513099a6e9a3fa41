"""CRUD on every resource, as the screens would: create, read, change (with its version), delete
to the recycle bin; vocabularies are read-only where the issue says so."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Account, Activity, Contact, Lead, Note, Opportunity, Tag
from tests.factories import make_account, make_lead, stage


def _payloads(users):
    account = make_account(owner=users["Sales Rep"])
    lead = make_lead(owner=users["Sales Rep"])
    return {
        "lead": ({"person_name": "王五", "company_name": "星河贸易", "mobile": "13700001111",
                  "channel": "online", "status": "new"}, {"city": "杭州"}, Lead),
        "account": ({"name": "远景制造有限公司", "industry": "manufacturing", "level": "A",
                     "phone": "021-62345678"}, {"city": "苏州"}, Account),
        "contact": ({"name": "赵六", "account_id": account.id, "mobile": "13911112222",
                     "email": "zhao@example.com"}, {"title": "采购经理"}, Contact),
        "opportunity": ({"name": "年度框架合同", "account_id": account.id, "amount": "120000.00",
                         "currency": "CNY", "stage_id": stage().id}, {"amount": "150000.00"}, Opportunity),
        "activity": ({"type": "call", "subject": "首次电话", "lead_id": lead.id,
                      "due_at": "2026-12-01T02:00:00Z"}, {"outcome": "约好下周拜访"}, Activity),
        "note": ({"text": "客户关心交期", "account_id": account.id}, {"text": "客户关心交期和付款方式"}, Note),
    }


@pytest.mark.parametrize("resource", ["lead", "account", "contact", "opportunity", "activity", "note"])
def test_create_read_change_delete(api, users, resource):
    create, change, model = _payloads(users)[resource]
    client = api("Sales Rep")

    created = client.post(f"/api/v1/{resource}/", json=create)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    pk, record = body["id"], body["result"]
    assert record["version"] == 1 and created.headers["ETag"] == '"1"'
    if hasattr(model, "owner_id"):
        assert record["owner_id"] == users["Sales Rep"].id

    got = client.get(f"/api/v1/{resource}/{pk}")
    assert got.status_code == 200 and got.get_json()["result"]["id"] == pk

    changed = client.put(f"/api/v1/{resource}/{pk}", json={**change, "version": 1})
    assert changed.status_code == 200, changed.get_json()
    key, value = next(iter(change.items()))
    assert changed.get_json()["result"][key] == value
    assert changed.get_json()["result"]["version"] == 2

    listed = client.get(f"/api/v1/{resource}/")
    assert pk in listed.get_json()["ids"]

    deleted = client.delete(f"/api/v1/{resource}/{pk}")
    assert deleted.status_code == 200
    assert client.get(f"/api/v1/{resource}/{pk}").status_code == 404
    assert pk not in client.get(f"/api/v1/{resource}/").get_json()["ids"]
    row = db.session.scalar(select(model).where(model.id == pk).execution_options(include_deleted=True))
    assert row is not None and row.deleted_at is not None  # soft: it waits in the recycle bin


def test_tags_are_created_and_attached_by_id(api):
    client = api("Sales Rep")
    tag = client.post("/api/v1/tag/", json={"name": "重点", "color": "#ff0000"})
    assert tag.status_code == 201
    tag_id = tag.get_json()["id"]
    lead = client.post("/api/v1/lead/", json={"person_name": "钱七", "mobile": "13600002222",
                                              "tags": [tag_id]}, query_string={"force": "true"})
    assert lead.status_code == 201, lead.get_json()
    assert lead.get_json()["result"]["tags"] == [tag_id]
    assert db.session.get(Tag, tag_id).name == "重点"
    bad = client.post("/api/v1/tag/", json={"name": "x", "color": "red"})
    assert bad.status_code == 422 and "color" in bad.get_json()["message"]


@pytest.mark.parametrize("resource", ["stage", "source", "department"])
def test_vocabularies_are_read_only(api, resource):
    client = api("Sales Rep")
    listed = client.get(f"/api/v1/{resource}/")
    assert listed.status_code == 200
    if resource != "department":
        assert listed.get_json()["count"] > 0
    assert client.post(f"/api/v1/{resource}/", json={"name_zh": "x"}).status_code == 405
    assert client.put(f"/api/v1/{resource}/1", json={}).status_code == 405
    assert client.delete(f"/api/v1/{resource}/1").status_code == 405


def test_page_size_is_bounded(api, users):
    client = api("Admin")
    response = client.get("/api/v1/stage/", query_string={"q": "(page_size:100000)"})
    assert response.status_code == 200
    from app.api.base import MAX_PAGE_SIZE

    assert MAX_PAGE_SIZE == 500
    assert len(response.get_json()["ids"]) <= MAX_PAGE_SIZE
