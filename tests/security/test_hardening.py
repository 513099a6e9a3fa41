"""The doors FAB leaves open are closed: headers, cookies, timeouts, lockout, limits, errors."""

import datetime as dt
import re

import pytest

from app import create_app
from app.extensions import db
from app.models import CrmUser, utcnow
from app.security.passwords import password_problem
from app.services.setup import initialise
from tests.conftest import PASSWORD, CrmClient


def test_security_headers_and_no_external_sources(app_ctx, login):
    client = login("Admin")
    response = client.get("/lead/list/")
    csp = response.headers["Content-Security-Policy"]
    assert "http:" not in csp and "https:" not in csp and "*" not in csp
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)  # FAB's inline scripts still run
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(app_ctx, client):
    response = client.login("admin")
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_an_answer_that_changes_nothing_leaves_the_cookie_alone(app_ctx, login):
    """Rewriting the cookie on every answer let a slow request undo a language switch made meanwhile."""
    client = login("Admin")
    client.get("/")
    answer = client.get("/")
    assert answer.status_code == 200
    assert not [v for k, v in answer.headers.items() if k == "Set-Cookie" and v.startswith("session=")]


def test_idle_session_ends(app_ctx, login):
    client = login("Admin")
    assert client.get("/lead/list/").status_code == 200
    with client.session_transaction() as session:
        session["crm_seen"] -= 31 * 60
    response = client.get("/lead/list/")
    assert response.status_code == 302 and "/login/" in response.location


def test_absolute_session_lifetime(app_ctx, login):
    client = login("Admin")
    with client.session_transaction() as session:
        session["crm_started"] -= 13 * 3600
    assert "/login/" in client.get("/lead/list/").location


def test_lockout_after_repeated_failures_reveals_nothing(app_ctx, users, client):
    client.set_language("en")

    def attempt(username, password):
        token = client.csrf("/login/")
        return client.post("/login/", data={"username": username, "password": password,
                                            "csrf_token": token}, follow_redirects=True)

    for _ in range(5):
        attempt("sales_rep", "wrong-password")
    refused = attempt("sales_rep", PASSWORD)  # the right password, but locked now
    unknown = attempt("nobody_here", "whatever-Passw0rd")
    assert "Invalid login" in refused.get_data(as_text=True)
    assert "Invalid login" in unknown.get_data(as_text=True)
    user = db.session.get(CrmUser, users["Sales Rep"].id)
    db.session.refresh(user)
    assert user.locked_until > utcnow()
    user.locked_until = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert attempt("sales_rep", PASSWORD).request.path != "/login/"


@pytest.mark.parametrize("password,ok", [
    ("short1A!", False), ("alllowercaseletters", False), ("Longer-Passw0rd", True),
    ("中文密码也可以Abc1", True), ("Password12", True),
])
def test_password_policy(app_ctx, password, ok):
    assert (password_problem(password) is None) is ok


def test_weak_password_refused_when_adding_a_user(app_ctx, login):
    client = login("Admin")
    response = client.post_form("/users/add", {
        "first_name": "Weak", "last_name": "User", "username": "weak", "email": "weak@example.com",
        "active": "y", "roles": "1", "password": "abc", "conf_password": "abc",
    })
    assert response.status_code == 200 and "at least 10 characters" in response.get_data(as_text=True)
    assert db.session.query(CrmUser).filter_by(username="weak").count() == 0


def test_next_cannot_send_users_elsewhere(app_ctx, client):
    token = client.csrf("/login/?next=https://evil.example/phish")
    response = client.post("/login/?next=https://evil.example/phish",
                           data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and "evil.example" not in response.location


def test_error_pages_show_no_internals(app, app_ctx, login):
    client = login("Admin")
    page = client.get("/no/such/page").get_data(as_text=True)
    assert "Traceback" not in page and "does not exist" in page
    api = client.get("/api/v1/nothing-here", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.is_json


def test_actions_without_csrf_token_are_refused(app_ctx, users, login):
    from tests.factories import make_lead

    lead = make_lead(owner=users["Admin"])
    client = login("Admin")
    response = client.post(f"/lead/delete/{lead.id}")
    assert response.status_code == 400
    assert client.get(f"/lead/show/{lead.id}").status_code == 200


@pytest.fixture
def limited_app(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl.sqlite'}", "TESTING": True,
                      "RATELIMIT_ENABLED": True, "AUTH_RATE_LIMIT": "3 per minute"})
    with app.app_context():
        initialise(PASSWORD)
        yield app
        db.session.remove()
        db.engine.dispose()


def test_login_rate_limits_on_html_and_api(limited_app):
    client = CrmClient(limited_app.test_client())
    html_codes = []
    for _ in range(4):
        token = client.csrf("/login/")
        html_codes.append(client.post("/login/", data={"username": "admin", "password": "wrong",
                                                       "csrf_token": token}).status_code)
    assert html_codes[-1] == 429 and 429 not in html_codes[:3]
    api_codes = [client.post("/api/v1/security/login", json={
        "username": "admin", "password": "wrong", "provider": "db"}).status_code for _ in range(4)]
    assert api_codes[-1] == 429 and 429 not in api_codes[:3]


def test_oversized_requests_are_refused_before_reaching_a_view(app, app_ctx, users, login, monkeypatch):
    """MAX_CONTENT_LENGTH caps every upload and form: 413, a page in the user's language, nothing saved."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Lead

    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    client = login("Sales Rep", lang="zh")
    token = client.csrf("/lead/add")
    before = db.session.scalar(select(func.count(Lead.id)))
    response = client.post("/lead/add", data={"csrf_token": token, "person_name": "大文件",
                                              "mobile": "13800000000", "description": "x" * 100_000})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Traceback" not in page and "过大" in page
    upload = client.post("/lead/add", data={"csrf_token": token, "file": (__import__("io").BytesIO(b"x" * 100_000), "a.csv")},
                         content_type="multipart/form-data")
    assert upload.status_code == 413
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", None)
    token = client.post("/api/v1/security/login", json={"username": "sales_rep", "password": PASSWORD,
                                                        "provider": "db"}).get_json()["access_token"]
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    api = client.post("/api/v1/lead/", data=b'{"person_name": "' + b"x" * 100_000 + b'"}',
                      content_type="application/json", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 413 and api.is_json
    assert db.session.scalar(select(func.count(Lead.id))) == before


@pytest.mark.parametrize("proxies", [0, 1])
def test_login_limit_counts_the_client_behind_a_trusted_proxy_only(tmp_path, proxies):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'proxy.sqlite'}", "TESTING": True,
                      "RATELIMIT_ENABLED": True, "AUTH_RATE_LIMIT": "2 per minute",
                      "RATELIMIT_STORAGE_URI": "memory://", "CRM_PROXY_COUNT": proxies})
    with app.app_context():
        initialise(PASSWORD)
    client = CrmClient(app.test_client())

    def attempt(forwarded_for: str) -> int:
        token = client.csrf("/login/")
        return client.post("/login/", data={"username": "admin", "password": "wrong", "csrf_token": token},
                           headers={"X-Forwarded-For": forwarded_for}).status_code

    assert [attempt("10.0.0.1") for _ in range(3)][-1] == 429
    # behind one trusted proxy another client has its own allowance; without one the header is ignored,
    # so a forged address does not escape the limit
    assert (attempt("10.0.0.2") == 429) is (proxies == 0)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
