"""Team performance shows won amounts against sales targets; a builder chart offered for the home
page is a home widget, computed in the viewer's scope."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from app.models import utcnow
from app.services import targets
from app.services.analytics import chart_specs, dashboard_data, parse_filters
from app.services.analytics.custom import target_period
from app.services.analytics.saved import save_chart
from app.services.errors import ValidationFailed
from app.services.widgets import WIDGETS, Context

MONTH = parse_filters({"period": "month"})


def _targets_chart(user, filters=MONTH):
    return next(c for c in dashboard_data("team", filters, user) if c.key == "team_targets")


def test_team_performance_has_the_targets_chart(app_ctx):
    assert "team_targets" in [s.key for s in chart_specs("team")]


def test_won_amount_against_targets_in_the_viewers_scope(world):
    executive, rep, north = world["executive"], world["rep"], world["north_rep"]
    period = target_period(MONTH)
    targets.set_target(executive, rep, str(period), "200000")
    targets.set_target(executive, north, str(period), "50000")
    targets.set_target(executive, world["east"], str(period), "400000")
    targets.set_target(executive, world["colleague"], str(period), "10000", currency="USD")

    data = _targets_chart(executive)
    by_label = {c["label"]: i for i, c in enumerate(data.categories)}
    series = {s["key"]: s["values"] for s in data.series}
    rep_row, north_row, east_row = (by_label[str(rep)], by_label[str(north)], by_label[str(world["east"])])
    assert series["won"][rep_row] == 100000 and series["target"][rep_row] == 200000
    assert series["achieved"][rep_row] == pytest.approx(0.5)
    assert series["won"][north_row] == 70000 and series["achieved"][north_row] == pytest.approx(1.4)
    assert series["won"][east_row] == 130000  # rep 100k + colleague 30k, CNY only
    assert str(world["colleague"]) not in by_label  # a USD target is not drawn among CNY
    assert data.categories[north_row]["drill"] == {
        "a_e": "opportunity", "a_cond": "won", "a_date": "closed_at", "a_from": period.first_day().isoformat(),
        "a_to": period.next().first_day().isoformat(), "a_cur": "CNY", "a_dim": "owner", "a_val": north.id}

    mine = _targets_chart(rep)  # a rep sees their own target and their department's, not the north rep's
    assert sorted(c["label"] for c in mine.categories) == sorted([str(rep), str(world["east"])])
    usd = _targets_chart(executive, parse_filters({"period": "month", "currency": "USD"}))
    assert [c["label"] for c in usd.categories] == [str(world["colleague"])]


def test_targets_of_the_quarter_for_longer_periods(world):
    assert target_period(parse_filters({"period": "year"})).kind == "quarter"
    assert target_period(MONTH).kind == "month"
    empty = _targets_chart(world["executive"], parse_filters({"period": "quarter"}))
    assert empty.categories == [] and empty.note


def _ctx(user, can=lambda view: True):
    return Context(user=user, now=utcnow(), zone=ZoneInfo("Asia/Shanghai"), can=can)


def test_a_saved_chart_offered_for_home_is_a_widget_in_the_viewers_scope(world):
    widget = WIDGETS["saved_chart"]
    manager = world["manager"]
    chart = save_chart(manager, "Won by owner", "team", {
        "entity": "opportunity", "group_by": "owner", "measures": ["sum:amount"], "filters": ["won"],
        "date_field": "closed_at", "chart": "bar"}, on_home=True)
    hidden = save_chart(manager, "Not for home", "team", {"entity": "lead", "group_by": "channel",
                                                          "measures": ["count"]})
    assert dict(widget.options[0].choices()) == {str(chart.id): "Won by owner"}
    with pytest.raises(ValidationFailed):
        widget.clean_options({"chart": str(hidden.id)})

    options = widget.clean_options({"chart": str(chart.id)})
    executive = widget.load(_ctx(world["executive"]), options)
    values = {b["label"]: b["value"] for b in executive["bars"]}
    assert values[str(world["rep"].display_name)] == 100000 and len(values) == 3  # rep, colleague, north rep
    assert executive["bars"][0]["share"] == 100.0
    assert executive["bars"][0]["link"][0] == "OpportunityView.list"
    assert executive["link"] == ("AnalyticsView.dashboard", {"key": "team"})

    rep = widget.load(_ctx(world["rep"]), options)
    assert [b["value"] for b in rep["bars"]] == [100000]  # own numbers only
    assert widget.load(_ctx(world["rep"], can=lambda view: False), options)["denied"]
    assert widget.load(_ctx(world["rep"]), widget.clean_options({}))["chart"] is None
