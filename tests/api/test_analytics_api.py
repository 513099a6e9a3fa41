"""GET /api/v1/analytics/ and /api/v1/analytics/<dashboard>: same numbers, filters and scope as the screens."""

from __future__ import annotations

from app.services.analytics import DASHBOARDS
from tests.services.analytics.conftest import custom_world, world  # noqa: F401  (the shared fixtures)


def test_lists_the_dashboards_and_their_charts(world, api):  # noqa: F811
    response = api("Executive").get("/api/v1/analytics/")
    assert response.status_code == 200
    body = response.get_json()
    keys = [d["key"] for d in body["dashboards"]]
    assert keys == [d.key for d in DASHBOARDS] + ["custom"]
    funnel = body["dashboards"][0]
    assert {c["key"] for c in funnel["charts"]} == {"funnel", "funnel_month", "funnel_channel"}


def test_one_dashboard_in_the_callers_scope(world, api):  # noqa: F811
    executive = api("Executive").get("/api/v1/analytics/funnel?period=year").get_json()
    rep = api("Sales Rep").get("/api/v1/analytics/funnel?period=year").get_json()
    first = {c["key"]: c for c in executive["charts"]}["funnel"]
    assert first["series"][0]["values"] == [9, 5, 4, 4, 2]
    assert {c["key"]: c for c in rep["charts"]}["funnel"]["series"][0]["values"] == [5, 3, 2, 2, 1]
    assert all("drill" not in c and "url" not in c for c in first["categories"])
    assert executive["filters"]["period"] == "year"


def test_filters_and_errors(world, api):  # noqa: F811
    client = api("Executive")
    north = client.get(f"/api/v1/analytics/team?department={world['north'].id}").get_json()
    by_department = {c["key"]: c for c in north["charts"]}["team_department"]
    assert by_department["series"][0]["values"] == [70000]
    bad = client.get("/api/v1/analytics/funnel?period=custom&start=2026-05-02&end=2026-05-01")
    assert bad.status_code == 422 and bad.get_json()["message"]
    assert client.get("/api/v1/analytics/nope").status_code == 404


def test_needs_a_login_and_the_permission(world, api, anonymous):  # noqa: F811
    assert anonymous.get("/api/v1/analytics/").status_code == 401
    assert api("Customer Service").get("/api/v1/analytics/funnel").status_code == 403


def test_custom_field_groupings_follow_the_callers_roles(custom_world, api):  # noqa: F811
    from app.services.analytics.saved import save_chart

    keys = custom_world["keys"]
    for title, name in (("By region", "region"), ("By grade", "secret")):
        save_chart(custom_world["executive"], title, "custom",
                   {"entity": "lead", "group_by": f"cf_{keys[name]}", "measures": ["count"],
                    "date_field": "created_at"})
    executive = {c["title"]: c for c in api("Executive").get("/api/v1/analytics/custom?_l_=en").get_json()["charts"]}
    rep = {c["title"]: c for c in api("Sales Rep").get("/api/v1/analytics/custom?_l_=zh").get_json()["charts"]}
    assert executive["By grade"]["error"] == "" and executive["By grade"]["series"][0]["values"]
    assert [c["label"] for c in executive["By region"]["categories"]][:3] == ["East", "North", "South"]
    assert rep["By grade"]["error"] == "此图表使用的自定义字段已停用，或您无权查看。" and not rep["By grade"]["series"]
    assert [c["label"] for c in rep["By region"]["categories"]][:2] == ["华东", "华北"]
    # the rep's scope: own leads + the pool (region c1: leads 0, 2 and the pool's)
    region = dict(zip((c["value"] for c in rep["By region"]["categories"]),
                      rep["By region"]["series"][0]["values"], strict=True))
    assert region["c1"] == 3 and region["c2"] == 1
