"""Quick add through HTTP: the navbar button, the fetched form, the JSON save; the lead form's source rule."""

from sqlalchemy import select

from app.extensions import db
from app.models import Lead
from tests.factories import first_source, make_lead


def _token(client):
    return client.csrf("/quick-add/form")


def test_the_button_is_on_every_page_for_those_who_may_add_leads(app_ctx, login):
    rep = login("Sales Rep")
    for page in ("/", "/lead/list/", "/account/list/"):
        assert 'id="crm-quick-add-btn"' in rep.get(page).get_data(as_text=True), page
    for role in ("Customer Service", "Executive"):
        client = login(role)
        assert 'id="crm-quick-add-btn"' not in client.get("/").get_data(as_text=True)
        assert client.get("/quick-add/form").status_code == 403


def test_save_answers_json_and_keeps_the_user_on_the_page(app_ctx, users, login):
    client = login("Sales Rep")
    form = client.get("/quick-add/form").get_data(as_text=True)
    assert 'name="person_name"' in form and 'data-channel="offline"' in form
    response = client.post("/quick-add/lead", data={"csrf_token": _token(client), "company_name": "杭州西湖科技",
                                                    "mobile": "13912345678", "channel": "online"})
    assert response.status_code == 201
    body = response.get_json()
    lead = db.session.get(Lead, body["id"])
    assert lead.owner_id == users["Sales Rep"].id and lead.company_name == "杭州西湖科技"
    assert body["url"].endswith(f"/lead/show/{lead.id}")


def test_errors_come_back_per_field_in_the_users_language(app_ctx, login):
    client = login("Sales Rep", lang="zh")
    response = client.post("/quick-add/lead", data={"csrf_token": _token(client), "mobile": "12"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"person_name", "mobile"}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in message) for message in errors.values()), errors
    assert db.session.scalar(select(Lead.id)) is None


def test_duplicate_warning_then_save_anyway(app_ctx, users, login):
    existing = make_lead(owner=users["Sales Rep"], mobile="13800138000")
    client = login("Sales Rep")
    data = {"csrf_token": _token(client), "person_name": "陈", "mobile": "138 0013 8000"}
    warned = client.post("/quick-add/lead", data=data)
    assert warned.status_code == 409
    assert [d["url"] for d in warned.get_json()["duplicates"]] == [f"/lead/show/{existing.id}"]
    saved = client.post("/quick-add/lead", data={**data, "force": "1"})
    assert saved.status_code == 201


def test_no_csrf_token_no_lead(app_ctx, login):
    client = login("Sales Rep")
    response = client.post("/quick-add/lead", data={"person_name": "陈", "wechat": "x"})
    assert response.status_code == 400
    assert db.session.scalar(select(Lead.id)) is None


def test_sources_map_for_the_lead_form(app_ctx, login):
    sources = login("Sales Rep").get("/quick-add/sources").get_json()["sources"]
    assert {s["channel"] for s in sources} == {"online", "offline", "referral"}


def test_the_lead_form_refuses_a_source_of_another_channel(app_ctx, login):
    client = login("Sales Rep")
    trade_show = first_source("offline")
    response = client.post_form("/lead/add", {"person_name": "孙", "mobile": "13700001234", "channel": "online",
                                              "status": "new", "source": str(trade_show.id)})
    assert response.status_code == 200  # the form again, with the message
    assert "This source belongs to the channel Offline." in response.get_data(as_text=True)
    assert db.session.scalar(select(Lead.id)) is None
    ok = client.post_form("/lead/add", {"person_name": "孙", "mobile": "13700001234", "channel": "offline",
                                        "status": "new", "source": str(trade_show.id)})
    assert ok.status_code == 302
    assert db.session.scalar(select(Lead.source_id)) == trade_show.id
