"""No lost updates over the API: a change names the version it is based on, or is refused."""

from __future__ import annotations

from app.extensions import db
from app.models import Lead
from tests.factories import make_lead


def test_stale_version_in_the_payload_answers_409(api, users):
    lead = make_lead(owner=users["Sales Rep"])
    client = api("Sales Rep")
    assert client.put(f"/api/v1/lead/{lead.id}", json={"city": "上海", "version": 1}).status_code == 200
    stale = client.put(f"/api/v1/lead/{lead.id}", json={"city": "北京", "version": 1})
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["current_version"] == 2 and body["message"]
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).city == "上海"


def test_if_match_header_works_like_the_payload_version(api, users):
    lead = make_lead(owner=users["Sales Rep"])
    client = api("Sales Rep")
    etag = client.get(f"/api/v1/lead/{lead.id}").headers["ETag"]
    ok = client.put(f"/api/v1/lead/{lead.id}", json={"city": "上海"}, headers={"If-Match": etag})
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'
    stale = client.put(f"/api/v1/lead/{lead.id}", json={"city": "北京"}, headers={"If-Match": etag})
    assert stale.status_code == 409


def test_a_change_without_a_version_is_refused(api, users):
    lead = make_lead(owner=users["Sales Rep"])
    response = api("Sales Rep").put(f"/api/v1/lead/{lead.id}", json={"city": "上海"})
    assert response.status_code == 428
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).city is None


def test_validation_messages_are_translated(api, users):
    client = api("Sales Rep")
    zh = client.post("/api/v1/lead/", json={"email": "not-an-email", "status": "nonsense"})
    assert zh.status_code == 422
    text = zh.get_data(as_text=True)
    messages = zh.get_json()["message"]
    assert "status" in messages
    en = client.post("/api/v1/lead/?_l_=en", json={"email": "not-an-email", "status": "nonsense"})
    en_messages = en.get_json()["message"]
    assert "Choose one of" in en_messages["status"][0]
    assert en_messages["status"] != messages["status"]  # Chinese by default
    assert "Traceback" not in text and "sqlalchemy" not in text.lower()
    missing = client.post("/api/v1/account/?_l_=en", json={"industry": "it"})
    assert missing.get_json()["message"]["name"] == ["This field is required."]


def test_errors_never_carry_stack_traces_or_sql(api, users, monkeypatch):
    from app.api import model

    def explode(*_a, **_k):
        raise RuntimeError("SELECT secret FROM lead -- boom")

    monkeypatch.setattr(model.CrmModelApi, "_record_response", explode)
    lead = make_lead(owner=users["Sales Rep"])
    response = api("Sales Rep").get(f"/api/v1/lead/by-external-id/{lead.id}x")
    assert response.status_code == 404
    lead.external_id = "E-1"
    db.session.commit()
    crashed = api("Sales Rep").get("/api/v1/lead/by-external-id/E-1")
    assert crashed.status_code == 500
    text = crashed.get_data(as_text=True)
    assert "SELECT" not in text and "Traceback" not in text and "boom" not in text
    bad_json = api("Sales Rep").open("POST", "/api/v1/lead/", data="{not json",
                                     headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400 and "Traceback" not in bad_json.get_data(as_text=True)
