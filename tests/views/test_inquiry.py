"""The public inquiry form over HTTP: no login, both languages, honeypot, size and rate limits."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import Activity, Lead, Ticket
from app.services.setup import initialise
from tests.conftest import PASSWORD, CrmClient

FORM = {"kind": "prospect", "name": "Anna Schmidt", "company": "Schmidt GmbH", "mobile": "",
        "email": "anna@schmidt.de", "wechat": "", "question": "Do you ship to Germany?"}


def _token(client, path="/inquiry/") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def _post(client, **over):
    return client.post("/inquiry/", data={**FORM, **over, "csrf_token": _token(client)})


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_form_in_both_languages_without_login_and_without_the_crm(app_ctx, client):
    zh = client.get("/inquiry/?lang=zh")
    page = zh.get_data(as_text=True)
    assert zh.status_code == 200 and "在线咨询" in page and "我已经是贵公司的客户" in page
    # nothing else of the CRM is reachable from here: no menu, no links into records
    links = set(re.findall(r'href="([^"#]+)"', page))
    assert all(link.startswith(("/static/", "/appbuilder/", "?lang=", "data:")) for link in links), links
    en = client.get("/inquiry/?lang=en").get_data(as_text=True)
    assert "Online inquiry" in en and "I am already your customer" in en
    assert client.get("/lead/list/").status_code == 302  # still behind the login


def test_prospect_submission_becomes_a_lead_and_task(app_ctx, client):
    response = _post(client)
    assert response.status_code == 302 and response.location.endswith("/inquiry/thanks")
    thanks = client.get("/inquiry/thanks?lang=en").get_data(as_text=True)
    assert "we have received your question" in thanks and "/support/ticket/" not in thanks
    lead = db.session.scalar(select(Lead))
    assert lead.email == "anna@schmidt.de" and lead.channel == "online"
    assert db.session.scalar(select(Activity.lead_id)) == lead.id


def test_customer_submission_shows_the_ticket_number_and_private_link(app_ctx, client):
    response = _post(client, kind="customer", question="My invoice is wrong")
    assert response.status_code == 302
    thanks = client.get(response.location).get_data(as_text=True)
    ticket = db.session.scalar(select(Ticket))
    assert ticket.number in thanks
    link = re.search(r'href="(http://localhost/support/ticket/[^"]+)"', thanks).group(1)
    assert client.get(link.replace("http://localhost", "")).status_code == 200
    assert _count(Lead) == 0
    # the confirmation is shown once: reloading does not show the link again
    assert client.get("/inquiry/thanks").status_code == 302


def test_invalid_input_is_explained_and_stores_nothing(app_ctx, client):
    client.set_language("en")
    response = _post(client, name="", email="", question="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please tell us your name." in page and "Leave at least one way to reach you" in page
    assert _count(Lead) == _count(Ticket) == 0


def test_honeypot_rejects_bots_silently(app_ctx, client):
    response = _post(client, website="http://spam.example")
    assert response.status_code == 302  # the bot is thanked like a person…
    assert _count(Lead) == _count(Activity) == _count(Ticket) == 0  # …and nothing is stored


def test_oversized_bodies_and_missing_csrf_are_refused(app_ctx, client):
    big = _post(client, question="问" * 20_000)
    assert big.status_code == 413
    assert client.post("/inquiry/", data=FORM).status_code == 400
    assert _count(Lead) == 0


@pytest.fixture
def limited_app(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'inquiry.sqlite'}", "TESTING": True,
                      "RATELIMIT_ENABLED": True, "CRM_INQUIRY_RATE_LIMIT": "3 per minute",
                      "CRM_TICKET_LINK_RATE_LIMIT": "4 per minute"})
    with app.app_context():
        initialise(PASSWORD)
        yield app
        db.session.remove()
        db.engine.dispose()


def test_rate_limit_per_address_rejects_floods_with_no_lead_created(limited_app):
    client = CrmClient(limited_app.test_client())
    codes = [_post(client, mobile=f"1380000000{i}", email="").status_code for i in range(5)]
    assert codes[:3] == [302, 302, 302] and codes[3:] == [429, 429]
    with limited_app.app_context():
        assert _count(Lead) == 3
    other = CrmClient(limited_app.test_client())
    token = _token(other)
    fresh = other.post("/inquiry/", data={**FORM, "csrf_token": token}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert fresh.status_code == 302  # another address is not punished for the flood
    # the customer's private link is limited too: guessing tokens gets nowhere fast
    codes = [client.get(f"/support/ticket/guess{i}").status_code for i in range(5)]
    assert codes[:4] == [404] * 4 and codes[4] == 429
