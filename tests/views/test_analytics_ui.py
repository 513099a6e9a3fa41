"""Analytics screens: every dashboard renders for the roles that read them, in both languages;
exports, the library, drill-down links, the chart builder and its permissions."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest

from app.extensions import db
from app.models import SavedChart
from app.services.analytics import DASHBOARDS
from tests.services.analytics.conftest import world  # noqa: F401  (the shared fixture)

KEYS = [d.key for d in DASHBOARDS] + ["custom"]


def page_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="crm-analytics-data">(.*?)</script>', html, re.S)
    assert match, "no chart data on the page"
    return json.loads(match.group(1))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_executive_opens_every_dashboard(world, login, lang):  # noqa: F811
    client = login("Executive", lang)
    assert client.get("/analytics/").status_code == 200
    for key in KEYS:
        response = client.get(f"/analytics/{key}")
        assert response.status_code == 200, key
        html = response.get_data(as_text=True)
        data = page_data(html)
        assert data["config"]["lang"] == lang
        assert "plotly-" in data["config"]["library"]
        if key != "custom":
            assert data["charts"], key
    html = client.get("/analytics/funnel").get_data(as_text=True)
    assert ("销售漏斗" if lang == "zh" else "Sales funnel") in html


def test_roles_and_scope_on_the_pages(world, login):  # noqa: F811
    assert login("Customer Service").get("/analytics/").status_code == 403
    rep = page_data(login("Sales Rep").get("/analytics/funnel").get_data(as_text=True))
    executive = page_data(login("Executive").get("/analytics/funnel").get_data(as_text=True))
    assert rep["charts"][0]["series"][0]["values"] == [5, 3, 2, 2, 1]
    assert executive["charts"][0]["series"][0]["values"] == [9, 5, 4, 4, 2]
    assert login("Sales Rep").get("/analytics/builder").status_code == 403
    assert login("Sales Manager").get("/analytics/builder").status_code == 200
    assert login("Executive").get("/analytics/nope").status_code == 404


def test_a_bar_drills_into_exactly_its_records(world, login):  # noqa: F811
    client = login("Executive")
    data = page_data(client.get("/analytics/pipeline").get_data(as_text=True))
    chart = next(c for c in data["charts"] if c["key"] == "pipeline_stage")
    for category, count in zip(chart["categories"], chart["series"][2]["values"], strict=True):
        url = category["url"]
        assert url.startswith("/opportunity/list/")
        html = client.get(url).get_data(as_text=True)
        assert "crm-drill" in html
        shown = len(re.findall(r'href="/opportunity/show/\d+', html))
        assert shown == count, (category["label"], shown, count)
    # a rep following the executive's link sees only their own rows
    rep = login("Sales Rep")
    first = chart["categories"][0]["url"]
    assert rep.get(first).status_code == 200
    leads = page_data(client.get("/analytics/sources").get_data(as_text=True))["charts"][0]
    online = next(c for c in leads["categories"] if c["value"] == "online")
    html = client.get(online["url"]).get_data(as_text=True)
    assert len(set(re.findall(r'href="/lead/show/(\d+)', html))) == leads["series"][0]["values"][
        leads["categories"].index(online)]
    # malformed drill arguments show nothing rather than everything
    html = client.get("/lead/list/?a_e=lead&a_cond=nope").get_data(as_text=True)
    assert not re.findall(r'href="/lead/show/\d+', html)


def test_exports_csv_and_xlsx(world, login):  # noqa: F811
    client = login("Executive", "zh")
    csv = client.get("/analytics/pipeline/export/pipeline_stage.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data().decode("utf-8-sig")
    assert "60000" in text and "金额" in text
    xlsx = client.get("/analytics/revenue/export/revenue_detail.xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.get_data())).active
    assert sheet.max_row == 4  # header + three won CNY deals of this year
    assert client.get("/analytics/pipeline/export/nope.csv").status_code == 404
    assert client.get("/analytics/pipeline/export/pipeline_stage.pdf").status_code == 404


def test_the_chart_library_is_served_locally_and_cached(world, login):  # noqa: F811
    client = login("Executive")
    library = page_data(client.get("/analytics/funnel").get_data(as_text=True))["config"]["library"]
    response = client.get(library, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert len(response.get_data()) < 2_000_000
    again = client.get(library, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_filters_are_validated_with_a_message(world, login):  # noqa: F811
    client = login("Executive", "en")
    response = client.get("/analytics/funnel?period=custom&start=2026-05-01&end=2026-04-01")
    assert response.status_code == 200
    assert "The period ends before it starts." in response.get_data(as_text=True)
    response = client.get("/analytics/builder/preview?entity=lead&measures=bogus")
    assert response.status_code == 403  # the executive does not build charts


def test_builder_preview_save_and_delete(world, login, app):  # noqa: F811
    client = login("Sales Manager", "en")
    preview = client.get("/analytics/builder/preview?entity=lead&group_by=channel&measures=count"
                         "&measures=count::converted&date_field=created_at&chart=bar")
    assert preview.status_code == 200
    assert {c["value"] for c in preview.get_json()["categories"]} == {"online", "offline", "referral"}
    bad = client.get("/analytics/builder/preview?entity=lead&measures=sum:amount")
    assert bad.status_code == 422 and bad.get_json()["message"]
    form = {"title": "Leads by channel", "entity": "lead", "group_by": "channel", "measures": ["count"],
            "date_field": "created_at", "chart": "pie", "dashboard": "sources", "on_home": "1"}
    response = client.post_form("/analytics/builder", form)
    assert response.status_code == 302 and response.location.endswith("/analytics/sources")
    with app.app_context():
        chart = db.session.query(SavedChart).one()
        assert chart.on_home and chart.spec["group_by"] == "channel"
        chart_id = chart.id
    # everyone who reads the dashboard sees it, computed in their own scope
    rep_page = page_data(login("Sales Rep").get("/analytics/sources").get_data(as_text=True))
    assert any(c["title"] == "Leads by channel" for c in rep_page["charts"])
    # an empty title is refused with a message and nothing is stored
    response = client.post_form("/analytics/builder", {**form, "title": " "})
    assert "Give the chart a title." in response.get_data(as_text=True)
    # only its author (or an admin) deletes it
    director = login("Sales Director")
    token = director.csrf("/analytics/builder")
    assert director.post(f"/analytics/chart/{chart_id}/delete", data={"csrf_token": token}).status_code == 404
    token = client.csrf("/analytics/builder")
    assert client.post(f"/analytics/chart/{chart_id}/delete", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.query(SavedChart).count() == 0


def test_links_keep_the_filters(world, login):  # noqa: F811
    client = login("Executive")
    data = page_data(client.get(f"/analytics/team?owner={world['north_rep'].id}").get_data(as_text=True))
    chart = next(c for c in data["charts"] if c["key"] == "team_won")
    assert [c["value"] for c in chart["categories"]] == [world["north_rep"].id]
    args = parse_qs(urlparse(chart["categories"][0]["url"]).query)
    assert args["a_owner"] == [str(world["north_rep"].id)] and args["a_cond"] == ["won"]


def test_no_english_on_the_chinese_analytics_pages(world, login):  # noqa: F811
    from tests.views.test_translations import _data_strings, english_left

    client = login("Sales Director", "zh")
    data = _data_strings()
    report = {}
    for path in ["/analytics/", "/analytics/builder", *(f"/analytics/{key}" for key in KEYS)]:
        html = client.get(path).get_data(as_text=True)
        # the charts' own words travel as JSON for the chart library: check them too
        match = re.search(r'id="crm-analytics-data">(.*?)</script>', html, re.S)
        words = []
        if match:
            payload = json.loads(match.group(1))
            for chart in payload.get("charts", []):
                words += [chart["title"], chart["note"], *(s["label"] for s in chart["series"]),
                          *(c["label"] for c in chart["columns"])]
            words += [v for v in payload["config"]["text"].values()]
        left = english_left(path, html + "<p>" + "</p><p>".join(words) + "</p>", data)
        if left:
            report[path] = left
    assert not report
