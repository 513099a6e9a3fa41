"""Signing in to the API: JWTs for people, API keys for integrations; both stop at once."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from app.extensions import db
from app.models import CrmUser, History, Lead, utcnow
from app.models.api_key import ApiKey
from app.services import api_keys
from app.services.handover import handover
from tests.conftest import PASSWORD

from .conftest import ApiClient, jwt_for


def _integration_user(users):
    return db.session.scalar(select(CrmUser).where(CrmUser.username == "integration"))


def test_key_is_shown_once_stored_hashed_and_works_in_both_headers(app, users):
    key, plaintext = api_keys.create_key(_integration_user(users).id, "ERP sync")
    assert plaintext.startswith("crm_") and len(plaintext) > 40
    stored = db.session.get(ApiKey, key.id)
    assert plaintext not in (stored.key_hash, stored.prefix) and plaintext.startswith(stored.prefix)
    assert ApiClient(app, plaintext).get("/api/v1/account/").status_code == 200
    assert ApiClient(app, headers={"X-API-Key": plaintext}).get("/api/v1/account/").status_code == 200
    assert ApiClient(app, plaintext + "x").get("/api/v1/account/").status_code == 401
    assert ApiClient(app, "crm_" + "A" * 43).get("/api/v1/account/").status_code == 401
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).last_used_at is not None


def test_revoked_or_expired_key_stops_on_the_next_request(app, users):
    key, plaintext = api_keys.create_key(_integration_user(users).id, "ERP")
    client = ApiClient(app, plaintext)
    assert client.get("/api/v1/account/").status_code == 200
    api_keys.revoke(key.id)
    refused = client.get("/api/v1/account/")
    assert refused.status_code == 401 and "Traceback" not in refused.get_data(as_text=True)

    key2, plaintext2 = api_keys.create_key(_integration_user(users).id, "SCM",
                                          expires_at=utcnow() + dt.timedelta(hours=1))
    client2 = ApiClient(app, plaintext2)
    assert client2.get("/api/v1/account/").status_code == 200
    db.session.get(ApiKey, key2.id).expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert client2.get("/api/v1/account/").status_code == 401


def test_deactivated_user_loses_jwt_and_keys_at_once(app, users):
    rep = users["Sales Rep"]
    token = jwt_for(app, rep.username)
    _key, plaintext = api_keys.create_key(rep.id, "my script")
    by_jwt, by_key = ApiClient(app, token), ApiClient(app, plaintext)
    assert by_jwt.get("/api/v1/lead/").status_code == 200
    assert by_key.get("/api/v1/lead/").status_code == 200
    handover(rep.id, None)  # 离职交接 deactivates the user
    assert by_jwt.get("/api/v1/lead/").status_code == 401
    assert by_key.get("/api/v1/lead/").status_code == 401
    rep = db.session.get(CrmUser, rep.id)
    rep.active = True  # the session's users are shared between tests
    db.session.commit()


def test_no_token_or_a_bad_one_is_refused_in_json(anonymous):
    for response in (anonymous.get("/api/v1/lead/"),
                     anonymous.get("/api/v1/lead/", headers={"Authorization": "Bearer not-a-jwt"})):
        assert response.status_code in (401, 422)
        assert response.is_json and "message" in response.get_json()


def test_history_records_the_api_door_and_the_caller(app, api, users):
    _key, plaintext = api_keys.create_key(_integration_user(users).id, "ERP")
    by_key = ApiClient(app, plaintext)
    created = by_key.put("/api/v1/lead/by-external-id/ERP-L-1", json={"person_name": "周一", "mobile": "13300001111"})
    assert created.status_code == 201, created.get_json()
    lead_id = created.get_json()["id"]
    by_jwt = api("Sales Director")
    assert by_jwt.put(f"/api/v1/lead/{lead_id}", json={"city": "合肥", "version": 1}).status_code == 200
    rows = db.session.scalars(select(History).where(History.entity == "lead", History.record_id == lead_id)
                              .order_by(History.id)).all()
    assert [(r.action, r.door, r.actor_id) for r in rows] == [
        ("create", "api", _integration_user(users).id), ("update", "api", users["Sales Director"].id)]
    lead = db.session.get(Lead, lead_id)
    assert lead.created_by_id == _integration_user(users).id
    assert lead.updated_by_id == users["Sales Director"].id


def test_integration_role_is_minimal(app, users):
    _key, plaintext = api_keys.create_key(_integration_user(users).id, "ERP")
    client = ApiClient(app, plaintext)
    created = client.post("/api/v1/account/", json={"name": "集成创建的客户"})
    assert created.status_code == 201
    pk = created.get_json()["id"]
    assert client.delete(f"/api/v1/account/{pk}").status_code == 403
    assert client.post(f"/api/v1/account/{pk}/release", json={"reason": "x"}).status_code == 403
    assert client.get("/api/v1/activity/").status_code == 403
    assert client.get("/api/v1/_openapi").status_code in (401, 403)


def test_admin_creates_and_revokes_keys_on_screen(app, login, users):
    admin = login("Admin")
    page = admin.get("/api-keys/")
    assert page.status_code == 200
    integration = _integration_user(users)
    created = admin.post_form("/api-keys/", {"name": "ERP 同步", "user_id": integration.id, "days": "30"})
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    match = re.search(r"(crm_[A-Za-z0-9_\-]{40,})", html)
    assert match, "the new key is shown once"
    plaintext = match.group(1)
    assert ApiClient(app, plaintext).get("/api/v1/account/").status_code == 200
    assert plaintext not in admin.get("/api-keys/").get_data(as_text=True)  # never again
    key = db.session.scalar(select(ApiKey).where(ApiKey.name == "ERP 同步"))
    assert key.expires_at is not None
    admin.post_form(f"/api-keys/revoke/{key.id}", {}, form_page="/api-keys/")
    assert ApiClient(app, plaintext).get("/api/v1/account/").status_code == 401
    assert login("Sales Director").get("/api-keys/").status_code == 403


def test_json_login_still_refuses_wrong_passwords(app, users):
    with app.app_context():
        response = app.test_client().post("/api/v1/security/login", json={
            "username": users["Sales Rep"].username, "password": PASSWORD + "x", "provider": "db"})
    assert response.status_code == 401
