"""Home widgets' numbers against hand-built data, in several data scopes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.services import home
from app.services.errors import ValidationFailed
from app.services.widgets import WIDGETS, Context
from app.services.widgets.any_list import filter_args
from tests.factories import make_account, make_activity, make_lead, make_opportunity, make_user, stage

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 25 November 2026, 12:00 in Shanghai: the week began Monday 23rd 00:00 local (22nd 16:00 UTC)
NOW = dt.datetime(2026, 11, 25, 4, 0)
WEEK_START = dt.datetime(2026, 11, 22, 16, 0)
MONTH_START = dt.datetime(2026, 10, 31, 16, 0)


def ctx(user, can=lambda view: True, lists=None) -> Context:
    return Context(user=user, now=NOW, zone=SHANGHAI, can=can, lists=lists or {})


def tiles(user, scope="mine", **kw) -> dict:
    data = WIDGETS["kpis"].load(ctx(user, **kw), {"scope": scope})
    return {t["key"]: (t["value"], [(c, Decimal(a)) for c, a in t["amounts"]]) for t in data["tiles"]}


@pytest.fixture
def world(app_ctx, users):
    """A rep and a colleague in the same department, another rep elsewhere, and their records."""
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    colleague = make_user("colleague", "Sales Rep", department=rep.department, manager_id=manager.id)
    outsider = make_user("outsider", "Sales Rep")
    make_lead(owner=rep, created_at=WEEK_START + dt.timedelta(hours=1))
    make_lead(owner=rep, created_at=NOW - dt.timedelta(hours=1))
    make_lead(owner=rep, created_at=WEEK_START - dt.timedelta(minutes=1))  # last week, local time
    make_lead(owner=colleague, created_at=NOW - dt.timedelta(days=1))
    make_lead(owner=outsider, created_at=NOW - dt.timedelta(days=1))
    make_lead(owner=None, created_at=NOW - dt.timedelta(days=1))  # the pool
    early, later = stage(order=0), stage(order=1)
    mine = make_account(owner=rep, last_followup_at=NOW - dt.timedelta(days=1), created_at=NOW - dt.timedelta(days=400))
    make_account(owner=rep, last_followup_at=NOW - dt.timedelta(days=40), created_at=NOW - dt.timedelta(days=400))
    make_account(owner=colleague, last_followup_at=NOW - dt.timedelta(days=2), created_at=NOW - dt.timedelta(days=400))
    make_opportunity(account=mine, owner=rep, amount=Decimal("10000"), stage_id=early.id)
    make_opportunity(account=mine, owner=rep, amount=Decimal("5000"), stage_id=later.id)
    make_opportunity(account=mine, owner=rep, amount=Decimal("300"), currency="USD", stage_id=later.id)
    make_opportunity(account=mine, owner=rep, amount=Decimal("8000"), stage_id=stage(won=True).id,
                     closed_at=NOW - dt.timedelta(days=2))
    make_opportunity(account=mine, owner=rep, amount=Decimal("9999"), stage_id=stage(won=True).id,
                     closed_at=MONTH_START - dt.timedelta(hours=1))  # last month
    make_opportunity(account=mine, owner=rep, amount=Decimal("7000"), stage_id=stage(lost=True).id)
    make_opportunity(owner=colleague, amount=Decimal("2000"), stage_id=early.id)
    make_opportunity(owner=outsider, amount=Decimal("4000"), stage_id=early.id)
    return {"rep": rep, "colleague": colleague, "outsider": outsider, "manager": manager,
            "director": users["Sales Director"], "early": early, "later": later}


def test_kpis_of_a_rep(world):
    got = tiles(world["rep"])
    assert got["new_leads"] == (2, [])
    assert got["open"] == (3, [("CNY", Decimal("15000")), ("USD", Decimal("300"))])
    assert got["won"] == (1, [("CNY", Decimal("8000"))])
    assert got["followed_up"] == (1, [])


def test_kpis_of_a_rep_for_everything_they_can_see_add_the_pool_only(world):
    got = tiles(world["rep"], scope="team")
    assert got["new_leads"] == (3, [])  # their two + the pool's one
    assert got["open"][0] == 3  # an opportunity always has an owner here


def test_kpis_of_a_manager_cover_the_department_not_the_outsider(world):
    got = tiles(world["manager"], scope="team")
    assert got["new_leads"] == (4, [])  # rep 2 + colleague 1 + pool 1
    assert got["open"] == (4, [("CNY", Decimal("17000")), ("USD", Decimal("300"))])
    assert got["followed_up"] == (2, [])
    assert tiles(world["manager"])["new_leads"] == (0, [])  # owns none


def test_kpis_of_a_director_cover_everyone(world):
    got = tiles(world["director"], scope="team")
    assert got["new_leads"] == (5, [])
    assert got["open"][0] == 5


def test_kpis_leave_out_lists_the_user_cannot_open(world):
    got = tiles(world["rep"], can=lambda view: view == "AccountView")
    assert list(got) == ["followed_up"]


def test_pipeline_by_stage(world):
    data = WIDGETS["pipeline"].load(ctx(world["rep"]), {"scope": "mine"})
    bars = {str(b["label"]): (b["count"], b["amounts"]) for b in data["bars"]}
    assert bars[str(world["early"].label)] == (1, [("CNY", Decimal("10000"))])
    # 5,000 yuan and 300 dollars stay apart (they were once added up to "5,300")
    assert bars[str(world["later"].label)] == (2, [("CNY", Decimal("5000")), ("USD", Decimal("300"))])
    assert data["amounts"] == [("CNY", Decimal("15000")), ("USD", Decimal("300"))]
    assert data["total"] == 3
    top = max(data["bars"], key=lambda b: b["share"])  # bars by count: amounts of currencies don't add up
    assert top["share"] == 100.0 and top["link"][1] == {"qf": "mine", "f_stage": world["later"].id}
    team = WIDGETS["pipeline"].load(ctx(world["manager"]), {"scope": "team"})
    assert team["total"] == 4


def test_neglected_customers(world):
    data = WIDGETS["neglected"].load(ctx(world["rep"]), {"scope": "mine", "days": 30})
    assert data["quiet"] == 1
    assert [a.last_followup_at for a in data["items"]] == [NOW - dt.timedelta(days=40)]
    assert WIDGETS["neglected"].load(ctx(world["rep"]), {"scope": "mine", "days": 50})["quiet"] == 0
    manager = WIDGETS["neglected"].load(ctx(world["manager"]), {"scope": "team", "days": 1})
    # the rep's 40-day and the colleague's 2-day account; a follow-up exactly a day ago is not late yet
    assert manager["quiet"] == 2


def test_tasks_today_and_overdue(world):
    rep = world["rep"]
    make_activity(owner=rep, due_at=NOW + dt.timedelta(hours=2), subject="今天")
    make_activity(owner=rep, due_at=NOW - dt.timedelta(days=3), subject="逾期")
    make_activity(owner=rep, due_at=NOW - dt.timedelta(days=3), subject="已完成", done_at=NOW - dt.timedelta(days=2))
    make_activity(owner=rep, due_at=NOW + dt.timedelta(days=3), subject="以后")
    make_activity(owner=world["colleague"], due_at=NOW + dt.timedelta(hours=1), subject="同事的")
    data = WIDGETS["tasks"].load(ctx(rep), {})
    assert (data["today"], data["overdue"]) == (1, 1)
    assert [a.subject for a in data["items"]] == ["逾期", "今天"]


def test_any_list_respects_scope_and_the_filter(world, app):
    from app.views.account import AccountView

    view = next(v for v in app.appbuilder.baseviews if isinstance(v, AccountView))
    make_account(owner=None, name="公海客户")
    rep_ctx = ctx(world["rep"], lists={"account": view})
    rows = WIDGETS["any_list"].load(rep_ctx, {"list": "account", "filter": "", "rows": 10})
    names = {row.name for row, _values in rows["rows"]}
    assert "公海客户" in names and len(names) == 3  # their two + the pool's; not the colleague's
    pool = WIDGETS["any_list"].load(rep_ctx, {"list": "account", "filter": "/account/list/?qf=pool", "rows": 10})
    assert [row.name for row, _v in pool["rows"]] == ["公海客户"] and pool["count"] == 1
    denied = WIDGETS["any_list"].load(ctx(world["rep"], can=lambda v: False, lists={"account": view}),
                                      {"list": "account", "filter": "", "rows": 5})
    assert "error" in denied


def test_filter_args():
    assert filter_args("mine") == {"qf": "mine"}
    assert filter_args("/lead/list/?qf=pool&f_status=new&_oc_LeadView=id&page=3") == {"qf": "pool", "f_status": "new"}
    assert filter_args("q=张&f_level=A") == {"q": "张", "f_level": "A"}
    assert filter_args("") == {}


def test_options_are_validated():
    assert WIDGETS["neglected"].clean_options({"days": "7", "scope": "team"}) == {"scope": "team", "days": 7}
    assert WIDGETS["neglected"].clean_options({}) == {"scope": "mine", "days": 30}
    for bad in ({"days": "0"}, {"days": "x"}, {"scope": "everyone"}):
        with pytest.raises(ValidationFailed):
            WIDGETS["neglected"].clean_options(bad)


def test_layout_edits_and_validation(app_ctx):
    items = home.clean_layout([{"key": "kpis"}, {"key": "tasks", "size": "wide"}])
    assert [i["id"] for i in items] == ["w1", "w2"]
    items = home.add_widget(items, "recent")
    assert items[-1] == {"id": "w3", "key": "recent", "size": "small", "options": {}}
    assert [i["id"] for i in home.move_widget(items, "w3", -1)] == ["w1", "w3", "w2"]
    assert [i["id"] for i in home.move_widget(items, "w1", -1)] == ["w1", "w2", "w3"]  # stays at the edge
    assert [i["id"] for i in home.remove_widget(items, "w2")] == ["w1", "w3"]
    assert home.resize_widget(items, "w1", "small")[0]["size"] == "small"
    assert [i["id"] for i in home.reorder(items, ["w3", "w1", "w2"])] == ["w3", "w1", "w2"]
    for call in (lambda: home.reorder(items, ["w1"]), lambda: home.resize_widget(items, "w1", "big"),
                 lambda: home.clean_layout([{"key": "nope"}]), lambda: home.clean_layout("x"),
                 lambda: home.clean_layout([{"key": "kpis"}] * 25),
                 lambda: home.clean_layout([{"key": "pipeline"}], allowed=lambda k: k != "pipeline")):
        with pytest.raises(ValidationFailed):
            call()


def test_stored_layout_survives_a_removed_widget(app_ctx, users):
    rep = users["Sales Rep"]
    home.save_layout(rep, [{"key": "kpis"}, {"key": "tasks"}])
    from app.models import HomeLayout

    row = db.session.query(HomeLayout).filter_by(user_id=rep.id).one()
    row.widgets = [*row.widgets, {"id": "w9", "key": "gone-widget"}, {"id": "w1", "key": "recent"}]
    db.session.commit()
    layout = home.layout_for(rep)
    assert [i["key"] for i in layout] == ["kpis", "tasks", "recent"]
    assert len({i["id"] for i in layout}) == 3
