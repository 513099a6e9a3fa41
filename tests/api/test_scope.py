"""The data scope holds on every API door: list, get, put, delete, _info pickers, links, operations."""

from __future__ import annotations

from app.extensions import db
from app.models import Lead
from tests.factories import make_account, make_lead, make_note, make_user


def _colleague(users):
    return make_user("rep_colleague", "Sales Rep", department=users["Sales Rep"].department)


def test_rep_cannot_reach_a_colleagues_record(api, users, caplog):
    colleague = _colleague(users)
    theirs = make_lead(owner=colleague, person_name="别人的线索")
    client = api("Sales Rep")
    assert client.get(f"/api/v1/lead/{theirs.id}").status_code == 404
    assert client.put(f"/api/v1/lead/{theirs.id}", json={"city": "x", "version": 1}).status_code == 404
    assert client.delete(f"/api/v1/lead/{theirs.id}").status_code == 404
    assert client.get(f"/api/v1/lead/{theirs.id + 1000}").status_code == 404  # same answer as missing
    db.session.expire_all()
    stored = db.session.get(Lead, theirs.id)
    assert stored.city is None and stored.deleted_at is None and stored.version == 1
    assert any("door=api:get" in r.getMessage() for r in caplog.records)
    assert "别人的线索" not in caplog.text


def test_list_shows_only_the_scope(api, users):
    colleague = _colleague(users)
    mine = make_lead(owner=users["Sales Rep"])
    pool = make_lead(owner=None)
    theirs = make_lead(owner=colleague)
    ids = set(api("Sales Rep").get("/api/v1/lead/").get_json()["ids"])
    assert {mine.id, pool.id} <= ids and theirs.id not in ids
    manager_ids = set(api("Sales Manager").get("/api/v1/lead/").get_json()["ids"])
    assert {mine.id, pool.id, theirs.id} <= manager_ids
    # notes follow their parent
    hidden_note = make_note(author=colleague, lead_id=theirs.id)
    assert hidden_note.id not in api("Sales Rep").get("/api/v1/note/").get_json()["ids"]


def test_info_pickers_offer_only_visible_records(api, users):
    colleague = _colleague(users)
    mine = make_account(owner=users["Sales Rep"], name="我的客户")
    theirs = make_account(owner=colleague, name="同事的客户")
    info = api("Sales Rep").get("/api/v1/contact/_info", query_string={"q": "(keys:!(add_columns))"})
    assert info.status_code == 200
    field = next(f for f in info.get_json()["add_columns"] if f["name"] == "account_id")
    offered = {v["id"] for v in field["values"]}
    assert mine.id in offered and theirs.id not in offered
    assert "同事的客户" not in info.get_data(as_text=True)


def test_a_payload_cannot_link_to_a_record_out_of_scope(api, users):
    colleague = _colleague(users)
    theirs = make_account(owner=colleague)
    response = api("Sales Rep").post("/api/v1/contact/", json={"name": "钱八", "account_id": theirs.id},
                                     query_string={"force": "true"})
    assert response.status_code == 422
    assert "account_id" in response.get_json()["message"]


def test_owner_cannot_be_set_or_changed_through_the_api(api, users):
    colleague = _colleague(users)
    client = api("Sales Rep")
    refused = client.post("/api/v1/lead/", json={"person_name": "孙九", "mobile": "13500003333",
                                                 "owner_id": colleague.id})
    assert refused.status_code == 422 and "owner_id" in refused.get_json()["message"]
    created = client.post("/api/v1/lead/", json={"person_name": "孙九", "mobile": "13500003333"})
    assert created.status_code == 201
    record = created.get_json()["result"]
    assert record["owner_id"] == users["Sales Rep"].id
    moved = client.put(f"/api/v1/lead/{record['id']}", json={"owner_id": colleague.id, "version": 1})
    assert moved.status_code == 422
    # echoing what a GET returned is fine: unchanged read-only values are ignored
    echoed = client.put(f"/api/v1/lead/{record['id']}", json={**record, "city": "南京"})
    assert echoed.status_code == 200, echoed.get_json()
    assert db.session.get(Lead, record["id"]).owner_id == users["Sales Rep"].id
