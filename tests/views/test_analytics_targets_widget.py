"""Through HTTP: targets against actuals on Team performance (with drill-down), and a builder chart
placed on the home page as a widget."""

from __future__ import annotations

import re

from app.services import targets
from app.services.analytics.custom import target_period
from app.services.analytics.filters import Filters
from app.services.analytics.saved import save_chart
from tests.services.analytics.conftest import world  # noqa: F401  (the shared fixture)
from tests.views.test_analytics_ui import page_data


def test_team_page_shows_targets_and_a_row_drills_into_its_won_deals(world, login):  # noqa: F811
    period = target_period(Filters(period="month"))
    targets.set_target(world["executive"], world["rep"], str(period), "200000")
    client = login("Executive")
    data = page_data(client.get("/analytics/team?period=month").get_data(as_text=True))
    chart = next(c for c in data["charts"] if c["key"] == "team_targets")
    assert [s["values"] for s in chart["series"]] == [[100000.0], [200000.0], [0.5]]
    url = chart["categories"][0]["url"]
    assert url.startswith("/opportunity/list/")
    html = client.get(url).get_data(as_text=True)
    assert len(set(re.findall(r'href="/opportunity/show/(\d+)', html))) == 1  # rep's CNY deal won this month
    assert str(world["opp"]["rep_won"].id) in html


def test_a_saved_chart_is_a_home_widget(world, login):  # noqa: F811
    chart = save_chart(world["manager"], "赢单按负责人", "team", {
        "entity": "opportunity", "group_by": "owner", "measures": ["sum:amount"], "filters": ["won"],
        "date_field": "closed_at"}, on_home=True)
    client = login("Sales Rep")
    assert client.post_form("/home/add", {"key": "saved_chart"}, form_page="/").status_code == 302
    item = re.findall(r'class="crm-widget [^"]*" id="widget-(w\d+)"', client.get("/").get_data(as_text=True))[-1]
    body = client.get("/").get_data(as_text=True).split(f'id="widget-{item}"')[1]
    assert "crm-widget-saved-chart" not in body.split('class="crm-widget ')[0]  # no chart chosen yet
    client.post_form("/home/options", {"item": item, "opt_chart": str(chart.id), "opt_period": "year"},
                     form_page="/")
    body = client.get("/").get_data(as_text=True).split(f'id="widget-{item}"')[1].split('class="crm-widget ')[0]
    assert "赢单按负责人" in body and "crm-widget-saved-chart" in body
    assert len(re.findall(r'class="crm-bar-row"', body)) == 1  # the rep's own numbers only
    assert "/opportunity/list/?" in body and "/analytics/team" in body
