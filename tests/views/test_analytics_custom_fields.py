"""Custom fields as chart groupings over HTTP (issue 6): offered in the builder by role, previewed and
saved, drawn on the dashboard in the viewer's language, drilled into, refused with a translated
reason to roles that may not see the field."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import SavedChart
from tests.services.analytics.conftest import custom_world, world  # noqa: F401  (the shared fixtures)
from tests.views.test_analytics_ui import page_data


def _builder_catalogue(client) -> dict:
    return page_data(client.get("/analytics/builder").get_data(as_text=True))["catalogue"]


def test_the_builder_offers_the_fields_each_role_may_see(custom_world, login):  # noqa: F811
    keys = custom_world["keys"]
    director = dict(map(tuple, _builder_catalogue(login("Sales Director"))["lead"]["dimensions"]))
    manager = dict(map(tuple, _builder_catalogue(login("Sales Manager", "zh"))["lead"]["dimensions"]))
    assert director[f"cf_{keys['region']}"] == "Region" and f"cf_{keys['secret']}" in director
    assert manager[f"cf_{keys['region']}"] == "大区" and f"cf_{keys['secret']}" not in manager
    assert f"cf_{keys['old']}" not in director and f"cf_{keys['remark']}" not in director
    dates = dict(map(tuple, _builder_catalogue(login("Sales Director"))["lead"]["dates"]))
    assert dates[f"cf_{keys['visit']}"] == "Visit date"


def test_preview_in_the_viewers_language_and_refusal_for_a_hidden_field(custom_world, login):  # noqa: F811
    keys = custom_world["keys"]
    args = f"entity=lead&group_by=cf_{keys['region']}&measures=count&date_field=created_at"
    zh = login("Sales Manager", "zh").get(f"/analytics/builder/preview?{args}").get_json()
    assert [c["label"] for c in zh["categories"]][:2] == ["华东", "华北"]
    secret = f"entity=lead&group_by=cf_{keys['secret']}&measures=count"
    refused = login("Sales Manager", "zh").get(f"/analytics/builder/preview?{secret}")
    assert refused.status_code == 422 and "自定义字段" in refused.get_json()["message"]
    assert login("Sales Director").get(f"/analytics/builder/preview?{secret}").status_code == 200


def test_saved_chart_draws_drills_and_is_refused_to_other_roles(custom_world, login, app):  # noqa: F811
    keys = custom_world["keys"]
    director = login("Sales Director")
    response = director.post_form("/analytics/builder", {
        "title": "By region", "dashboard": "custom", "entity": "lead", "group_by": f"cf_{keys['region']}",
        "measures": "count", "date_field": "created_at", "chart": "bar"}, form_page="/analytics/builder")
    assert response.status_code == 302
    director.post_form("/analytics/builder", {
        "title": "By grade", "dashboard": "custom", "entity": "lead", "group_by": f"cf_{keys['secret']}",
        "measures": "count", "date_field": "created_at", "chart": "bar"}, form_page="/analytics/builder")
    with app.app_context():
        assert db.session.query(SavedChart).count() == 2
    charts = {c["title"]: c for c in page_data(director.get("/analytics/custom").get_data(as_text=True))["charts"]}
    region = charts["By region"]
    assert not region["error"] and not charts["By grade"]["error"]
    for category, count in zip(region["categories"], region["series"][0]["values"], strict=True):
        html = director.get(category["url"]).get_data(as_text=True)
        assert len(set(re.findall(r'href="/lead/show/(\d+)', html))) == count, category["label"]
    manager = login("Sales Manager", "zh")
    html = manager.get("/analytics/custom").get_data(as_text=True)
    assert "crm-chart-error" in html and "此图表使用的自定义字段已停用，或您无权查看。" in html
    charts = {c["title"]: c for c in page_data(html)["charts"]}
    assert charts["By grade"]["error"] and not charts["By grade"]["series"]
    assert not charts["By region"]["error"] and charts["By region"]["categories"][0]["label"] == "华东"
    grade = charts["By grade"]["key"]
    assert manager.get(f"/analytics/custom/export/{grade}.csv").status_code == 200
