"""Charts grouped by custom fields (issue 6): single choice, yes/no, user, date by bucket; labels in the
viewer's language; retired / hidden fields never offered; role-restricted fields only for their roles;
numbers equal a plain Python count of the same rows, in each viewer's data scope."""

from __future__ import annotations

from collections import Counter

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import Lead
from app.security.scope import visibility_clause
from app.services import custom_fields as cf
from app.services.analytics import chart_specs, parse_filters
from app.services.analytics.catalogue import catalogue
from app.services.analytics.drill import drill_clauses
from app.services.analytics.engine import run_chart
from app.services.analytics.filters import to_utc
from app.services.analytics.saved import save_chart
from app.services.analytics.spec import ChartSpec
from app.services.errors import ValidationFailed

WHO = ("rep", "manager", "executive")
YEAR = parse_filters({"period": "year"})


def _spec(world, name, user, **over):
    data = {"entity": "lead", "group_by": f"cf_{world['keys'][name]}", "measures": ["count"],
            "date_field": "created_at", **over}
    return ChartSpec.from_dict("t", "t", data, user)


def _expected(world, user, name, period=YEAR, on=None):
    """Plain Python: the user's live leads of the period, counted by the stored value."""
    start, end = period.bounds()
    key = world["keys"][name]
    leads = db.session.scalars(select(Lead).where(Lead.deleted_at.is_(None), visibility_clause(Lead, user)))
    counts = Counter()
    for lead in leads:
        if on is None and not to_utc(start) <= lead.created_at < to_utc(end):
            continue
        value = (lead.custom or {}).get(key)
        counts[on(value) if on else value] += 1
    return {k: v for k, v in counts.items() if not (on and k is None)}


def _counts(data):
    return {c["value"]: v for c, v in zip(data.categories, data.series[0]["values"], strict=True)}


@pytest.mark.parametrize("who", WHO)
def test_group_by_a_single_choice_equals_a_plain_count_in_each_scope(custom_world, who):
    user = custom_world[who]
    with force_locale("en"):
        data = run_chart(_spec(custom_world, "region", user), YEAR, user)
    expected = {("__none__" if k is None else k): v for k, v in _expected(custom_world, user, "region").items()}
    assert _counts(data) == expected
    assert sum(expected.values()) > 0
    labels = {c["value"]: c["label"] for c in data.categories}
    assert labels.get("c1") == "East" and labels.get("__none__") == "(none)"
    assert [c["value"] for c in data.categories if c["value"] != "__none__"] == sorted(
        k for k in expected if k != "__none__")  # the choices' own order


def test_choice_labels_in_the_viewers_language(custom_world):
    user = custom_world["executive"]
    with force_locale("zh"):
        zh = run_chart(_spec(custom_world, "region", user), YEAR, user)
        assert catalogue(user)["lead"]["dimensions"][-1][1] in {"大区", "重点客户", "推荐人", "内部评级"}
    with force_locale("en"):
        en = run_chart(_spec(custom_world, "region", user), YEAR, user)
    assert [c["label"] for c in zh.categories][:3] == ["华东", "华北", "华南"]
    assert [c["label"] for c in en.categories][:3] == ["East", "North", "South"]


@pytest.mark.parametrize("who", WHO)
def test_yes_no_and_user_fields(custom_world, who):
    user = custom_world[who]
    with force_locale("en"):
        vip = run_chart(_spec(custom_world, "vip", user), YEAR, user)
        referrer = run_chart(_spec(custom_world, "referrer", user), YEAR, user)
    expected = _expected(custom_world, user, "vip")
    assert _counts(vip) == {{True: "1", False: "0", None: "__none__"}[k]: v for k, v in expected.items()}
    labels = {c["value"]: c["label"] for c in vip.categories}
    assert labels.get("1", "Yes") == "Yes" and labels.get("0", "No") == "No"
    expected = _expected(custom_world, user, "referrer")
    assert _counts(referrer) == {("__none__" if k is None else k): v for k, v in expected.items()}
    names = {c["value"]: c["label"] for c in referrer.categories}
    colleague = custom_world["colleague"]
    if colleague.id in names:
        assert names[colleague.id] == colleague.display_name


def test_a_date_field_by_month_bucket_and_period(custom_world):
    user = custom_world["executive"]
    last12 = parse_filters({"period": "last12"})
    spec = _spec(custom_world, "visit", user, group_by=f"cf_{custom_world['keys']['visit']}", bucket="month")
    data = run_chart(spec, last12, user)
    by_month = dict(zip((c["value"] for c in data.categories), data.series[0]["values"], strict=True))
    expected = _expected(custom_world, user, "visit", on=lambda v: v and v[:8] + "01")
    assert expected == {custom_world["visit_now"][:8] + "01": 2, custom_world["visit_before"][:8] + "01": 2}
    assert {k: v for k, v in by_month.items() if v} == expected
    this_month = parse_filters({"period": "month"})
    assert sum(run_chart(spec, this_month, user).series[0]["values"]) == 2  # the period is on the visit date


def test_the_catalogue_offers_live_visible_fields_of_the_grouping_kinds(custom_world):
    keys = custom_world["keys"]
    with force_locale("en"):
        executive = dict(catalogue(custom_world["executive"])["lead"]["dimensions"])
        rep = dict(catalogue(custom_world["rep"])["lead"]["dimensions"])
        dates = dict(catalogue(custom_world["rep"])["lead"]["dates"])
    assert executive[f"cf_{keys['region']}"] == "Region"
    assert {f"cf_{keys[n]}" for n in ("region", "vip", "referrer", "secret")} <= set(executive)
    assert f"cf_{keys['secret']}" not in rep  # restricted to executives
    for name in ("old", "hidden", "remark"):  # retired, hidden, text
        assert f"cf_{keys[name]}" not in executive and f"cf_{keys[name]}" not in rep
    assert dates[f"cf_{keys['visit']}"] == "Visit date"
    assert "cf_" not in str(catalogue(custom_world["rep"])["activity"])  # no custom fields there


def test_a_restricted_field_cannot_be_used_by_roles_that_may_not_see_it(custom_world):
    rep, executive = custom_world["rep"], custom_world["executive"]
    with force_locale("en"):
        with pytest.raises(ValidationFailed) as refused:
            _spec(custom_world, "secret", rep)
        assert "may not see" in str(refused.value.message)
        with pytest.raises(ValidationFailed):
            save_chart(rep, "Grades", "custom", {"entity": "lead", "group_by": f"cf_{custom_world['keys']['secret']}",
                                                 "measures": ["count"]})
        chart = save_chart(executive, "Grades", "custom", {
            "entity": "lead", "group_by": f"cf_{custom_world['keys']['secret']}", "measures": ["count"],
            "date_field": "created_at"})
        mine = next(s for s in chart_specs("custom", executive) if s.key == f"saved{chart.id}")
        assert _counts(run_chart(mine, YEAR, executive)) == {"c1": 1, "c2": 1, "__none__": 7}
        theirs = next(s for s in chart_specs("custom", rep) if s.key == f"saved{chart.id}")
        data = run_chart(theirs, YEAR, rep)
        assert data.error and "may not see" in data.error and not data.series
        # a spec checked for the system (a home widget) and run for the rep: the rep's rights decide
        system = next(s for s in chart_specs("custom") if s.key == f"saved{chart.id}")
        assert run_chart(system, YEAR, rep).error
        assert not run_chart(system, YEAR, executive).error
    with force_locale("zh"):
        message = run_chart(theirs, YEAR, rep).error
        assert "内部评级" not in message and custom_world["keys"]["secret"] not in message  # nothing leaked
        assert message != data.error and "自定义字段" in message  # translated


def test_a_retired_field_turns_its_saved_chart_into_an_error_for_everyone(custom_world):
    executive = custom_world["executive"]
    chart = save_chart(executive, "Regions", "funnel", {
        "entity": "lead", "group_by": f"cf_{custom_world['keys']['region']}", "measures": ["count"]})
    cf.retire_field(custom_world["fields"]["region"].id)
    for who in WHO:
        spec = next(s for s in chart_specs("funnel", custom_world[who]) if s.key == f"saved{chart.id}")
        assert run_chart(spec, YEAR, custom_world[who]).error
    cf.restore_field(custom_world["fields"]["region"].id)
    spec = next(s for s in chart_specs("funnel", executive) if s.key == f"saved{chart.id}")
    assert not run_chart(spec, YEAR, executive).error


@pytest.mark.parametrize("name", ["region", "vip", "referrer"])
def test_each_group_drills_into_exactly_its_rows(custom_world, name):
    user = custom_world["manager"]
    data = run_chart(_spec(custom_world, name, user), YEAR, user)
    assert data.categories
    for category, count in zip(data.categories, data.series[0]["values"], strict=True):
        args = {k: str(v) for k, v in category["drill"].items()}
        clauses = drill_clauses(Lead, user, args)
        assert db.session.scalar(select(db.func.count(Lead.id)).where(*clauses)) == count, category
    # the rep may not use the restricted field: a forged drill link shows nothing
    secret = {"a_e": "lead", "a_dim": f"cf_{custom_world['keys']['secret']}", "a_val": "c1"}
    assert db.session.scalar(select(db.func.count(Lead.id)).where(
        *drill_clauses(Lead, custom_world["rep"], secret))) == 0


def test_a_home_widget_does_not_draw_a_restricted_field_for_a_viewer_who_may_not_see_it(custom_world):
    from zoneinfo import ZoneInfo

    from app.models import utcnow
    from app.services.widgets import WIDGETS, Context

    widget = WIDGETS["saved_chart"]
    chart = save_chart(custom_world["executive"], "By secret", "custom", {
        "entity": "lead", "group_by": f"cf_{custom_world['keys']['secret']}", "measures": ["count"],
        "date_field": "created_at"}, on_home=True)
    options = widget.clean_options({"chart": str(chart.id)})

    def shown_to(user):
        return widget.load(Context(user=user, now=utcnow(), zone=ZoneInfo("Asia/Shanghai"), can=lambda _v: True),
                           options)

    assert shown_to(custom_world["executive"]).get("bars")
    assert shown_to(custom_world["rep"]) == {"chart": chart, "broken": True}
