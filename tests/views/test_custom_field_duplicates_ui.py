"""The duplicate warning on a custom field 自定义字段 marked for the check, through the lead form."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Lead
from tests.factories import make_lead
from tests.services.test_custom_field_duplicates import tax_field, with_value

LEAD_FORM = {"person_name": "王伟", "company_name": "新公司", "channel": "online", "status": "new"}


def test_the_add_form_warns_about_a_custom_field_match_then_saves_anyway(app_ctx, users, login):
    tax_field()
    rep = users["Sales Rep"]
    existing = with_value(make_lead(owner=rep, person_name="老线索", mobile="13700000009"), tax_id="91330100ABC")
    client = login("Sales Rep", lang="zh")
    before = db.session.scalar(select(func.count(Lead.id)))
    response = client.post_form("/lead/add", {**LEAD_FORM, "mobile": "13600000001", "cf_tax_id": "91330100abc"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "这可能是重复的" in html and f"/lead/show/{existing.id}" in html and "税号" in html
    assert db.session.scalar(select(func.count(Lead.id))) == before
    saved = client.post_form("/lead/add", {**LEAD_FORM, "mobile": "13600000001", "cf_tax_id": "91330100abc",
                                           "crm_save_anyway": "1"}, form_page="/lead/add")
    assert saved.status_code == 302
    other = client.post_form("/lead/add", {**LEAD_FORM, "company_name": "另一家公司", "mobile": "13600000002",
                                           "cf_tax_id": "91330100DEF"})
    assert other.status_code == 302  # no match: saved straight away


def test_the_duplicates_screen_offers_the_field_and_lists_its_groups(app_ctx, users, login):
    tax_field()
    rep = users["Sales Rep"]
    first = with_value(make_lead(owner=rep, person_name="甲线索", mobile="13700000001"), tax_id="91330100ABC")
    second = with_value(make_lead(owner=rep, person_name="乙线索", mobile="13700000002"), tax_id="91330100abc")
    director = login("Sales Director", lang="zh")
    screen = director.get("/duplicates/?entity=lead").get_data(as_text=True)
    assert "key=cf:tax_id" in screen and "税号" in screen
    groups = director.get("/duplicates/?entity=lead&key=cf:tax_id").get_data(as_text=True)
    assert "税号: 91330100abc" in groups
    assert f"/lead/show/{first.id}" in groups and f"/lead/show/{second.id}" in groups
    assert director.get("/duplicates/?entity=lead&key=cf:no_such_field").status_code == 404
