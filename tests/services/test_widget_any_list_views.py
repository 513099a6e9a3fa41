"""The home page's "any list" widget showing a saved view 场景: the view's filter, search, sort and
columns, in the viewer's own data scope; a view gone or no longer shared says so."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from app.services import home
from app.services import saved_views as views
from app.services.errors import ValidationFailed
from app.services.widgets import WIDGETS, Context
from tests.factories import make_lead

WIDGET = WIDGETS["any_list"]


def ctx(app, user, can=lambda view: True) -> Context:
    lists = {e: v for v in app.appbuilder.baseviews for e, n in views.LIST_OF_ENTITY.items()
             if type(v).__name__ == n}
    return Context(user=user, now=dt.datetime(2026, 11, 25, 4), zone=ZoneInfo("Asia/Shanghai"), can=can,
                   lists=lists)


def options(**over) -> dict:
    return WIDGET.clean_options({"list": "account", "filter": "", "rows": "10", **over})


@pytest.fixture
def world(app_ctx, users):
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    make_lead(owner=rep, person_name="a 代表新", status="new", city="上海")
    make_lead(owner=rep, person_name="b 代表新", status="new", city="上海")
    make_lead(owner=rep, person_name="c 代表旧", status="contacted", city="上海")
    make_lead(owner=manager, person_name="d 经理新", status="new", city="上海")
    make_lead(owner=users["Sales Director"], person_name="e 总监新", status="new", city="上海")
    view = views.save_view(manager, "LeadView", "新线索", {
        "f_status": "new", "_oc_LeadView": "person_name", "_od_LeadView": "desc",
        "cols": "status,person_name,nonsense,company_name"}, "department", may_share=True)
    return {"rep": rep, "manager": manager, "view": view}


def names(data) -> list[str]:
    return [row.person_name for row, _values in data["rows"]]


def test_a_view_shared_by_a_manager_shows_a_rep_only_the_reps_records(app, world):
    data = WIDGET.load(ctx(app, world["rep"]), options(view=str(world["view"].id)))
    assert names(data) == ["b 代表新", "a 代表新"]  # the view's filter and sort (desc); not the manager's
    assert data["count"] == 2 and data["filter"] == "新线索" and data["view"] == "LeadView"
    assert [str(label) for label in data["labels"]] == [str(WIDGET_LABEL(app, c)) for c in ("status", "person_name",
                                                                                          "company_name")]
    assert data["args"]["sv"] == world["view"].id and data["args"]["f_status"] == "new"
    manager = WIDGET.load(ctx(app, world["manager"]), options(view=str(world["view"].id), rows="1"))
    assert names(manager) == ["d 经理新"] and manager["count"] == 3  # the manager's scope holds their own too


def WIDGET_LABEL(app, column):  # noqa: N802  (the list's own column label)
    lead_view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "LeadView")
    return lead_view.label_columns.get(column, column)


def test_a_deleted_or_unshared_view_says_so(app, world):
    rep_ctx, chosen = ctx(app, world["rep"]), options(view=str(world["view"].id))
    views.save_view(world["manager"], "LeadView", "新线索", world["view"].args, "private")  # no longer shared
    gone = WIDGET.load(rep_ctx, chosen)
    with force_locale("en"):
        assert "rows" not in gone and "no longer shared" in str(gone["error"])
    views.delete_view(world["manager"], world["view"].id)
    with force_locale("zh"):
        assert "已被删除" in str(WIDGET.load(ctx(app, world["manager"]), chosen)["error"])


def test_a_view_of_a_list_the_viewer_cannot_open(app, world):
    denied = WIDGET.load(ctx(app, world["rep"], can=lambda view: view != "LeadView"),
                         options(view=str(world["view"].id)))
    assert "rows" not in denied and denied["error"]


def test_the_view_option_is_an_id_kept_even_when_the_view_is_gone(app_ctx, users):
    assert options(view="12")["view"] == "12" and options()["view"] == ""
    for bad in ("abc", "1" * 12, "-3"):
        with pytest.raises(ValidationFailed):
            options(view=bad)
    layout = home.clean_layout([{"id": "w1", "key": "any_list", "options": {"view": "999999"}}])
    assert layout[0]["options"]["view"] == "999999"  # stays on the home page, which then says the view is gone


def test_without_a_view_the_filter_still_works(app, world):
    data = WIDGET.load(ctx(app, world["rep"]), options(list="lead", filter="qf=mine&f_status=new"))
    assert sorted(names(data)) == ["a 代表新", "b 代表新"]
