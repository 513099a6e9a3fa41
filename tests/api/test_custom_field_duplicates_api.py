"""The API's duplicate check (409 unless ?force=true) on a custom field 自定义字段 marked for it."""

from __future__ import annotations

from app.extensions import db
from app.models import Lead
from tests.factories import make_lead
from tests.services.test_custom_field_duplicates import tax_field, with_value


def test_the_api_answers_409_on_a_custom_field_match_unless_forced(app_ctx, users, api):
    tax_field()
    rep = users["Sales Rep"]
    existing = with_value(make_lead(owner=rep, mobile="13700000008"), tax_id="TAX-77")
    client = api("Sales Rep")
    payload = {"person_name": "周八", "mobile": "13900000011", "custom": {"tax_id": "tax-77"}}
    refused = client.post("/api/v1/lead/", json=payload)
    assert refused.status_code == 409, refused.get_json()
    assert [(d["id"], d["matched"]) for d in refused.get_json()["duplicates"]] == [(existing.id, ["cf_tax_id"])]
    forced = client.post("/api/v1/lead/", json=payload, query_string={"force": "true"})
    assert forced.status_code == 201, forced.get_json()
    # an edit that keeps the value is not checked again; one that brings the value is
    pk = forced.get_json()["id"]
    record = db.session.get(Lead, pk)
    kept = client.put(f"/api/v1/lead/{pk}", json={"version": record.version, "city": "杭州"})
    assert kept.status_code == 200, kept.get_json()
    third = make_lead(owner=rep, mobile="13700000007")
    changed = client.put(f"/api/v1/lead/{third.id}", json={"version": third.version, "custom": {"tax_id": "TAX-77"}})
    assert changed.status_code == 409, changed.get_json()
