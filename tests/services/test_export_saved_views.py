"""Exports of a saved view 场景 (issue 6): exactly the view's filter, search and sort, always in the
exporter's own data scope; a view one may not open is not found. Also the export's own cell rules
(formula safety, local times, money) after the speed work (issue 7)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ExportLog
from app.services import export
from app.services import saved_views as views
from app.services.errors import NotFound
from tests.factories import make_account, make_lead, make_opportunity

# the manager's department view: new leads in a city starting with 上 (FAB's advanced search, starts-with),
# sorted by name A→Z; the viewer's scope decides whose leads
TEAM_VIEW = {"f_status": "new", "_flt_0_city": "上", "_oc_LeadView": "person_name", "_od_LeadView": "asc"}


def rows_of(req) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(export.stream_csv(req)).lstrip("\ufeff"))))[1:]


@pytest.fixture
def world(app_ctx, users):
    rep, manager, director = users["Sales Rep"], users["Sales Manager"], users["Sales Director"]
    make_lead(owner=rep, person_name="b 代表新", status="new", city="上海")
    make_lead(owner=rep, person_name="a 代表新", status="new", city="上饶")
    make_lead(owner=rep, person_name="c 代表旧", status="contacted", city="上海")
    make_lead(owner=rep, person_name="d 代表北京", status="new", city="北京")
    make_lead(owner=None, person_name="e 公海", status="new", city="上海")
    make_lead(owner=manager, person_name="f 经理", status="new", city="上海")
    make_lead(owner=director, person_name="g 总监", status="new", city="上海")
    view = views.save_view(manager, "LeadView", "华东新线索", TEAM_VIEW, "department", may_share=True)
    return {"rep": rep, "manager": manager, "director": director, "view": view}


def test_a_shared_view_exports_its_filter_and_sort_in_each_viewers_scope(world):
    req = export.request_for_list("lead", world["rep"], {}, view_id=world["view"].id, door="api")
    assert [r[1] for r in rows_of(req)] == ["a 代表新", "b 代表新", "e 公海"]  # not the manager's lead
    manager_req = export.request_for_list("lead", world["manager"], {}, view_id=world["view"].id)
    assert [r[1] for r in rows_of(manager_req)] == ["a 代表新", "b 代表新", "e 公海", "f 经理"]
    logs = list(db.session.scalars(select(ExportLog).order_by(ExportLog.id)))
    assert [(log.user_id, log.row_count, log.door) for log in logs] == [
        (world["rep"].id, 3, "api"), (world["manager"].id, 4, "ui")]
    assert logs[0].filters["view"] == world["view"].id and logs[0].filters["view_name"] == "华东新线索"
    assert logs[0].filters["view_args"] == TEAM_VIEW


def test_the_list_arguments_and_the_view_export_the_same_rows(world):
    """The list button passes the list's own arguments (those of the view it shows): same file."""
    by_view = rows_of(export.request_for_list("lead", world["rep"], {}, view_id=world["view"].id))
    by_args = rows_of(export.request_for_list("lead", world["rep"], dict(world["view"].args)))
    assert by_view == by_args and len(by_view) == 3
    by_args_desc = rows_of(export.request_for_list("lead", world["rep"], {**TEAM_VIEW, "_od_LeadView": "desc"}))
    assert [r[1] for r in by_args_desc] == ["e 公海", "b 代表新", "a 代表新"]


def test_a_view_the_exporter_may_not_open_is_not_found(world):
    manager, rep, director = world["manager"], world["rep"], world["director"]
    private = views.save_view(manager, "LeadView", "私有", {"f_status": "new"})
    accounts = views.save_view(manager, "AccountView", "客户", {}, "everyone", may_share=True)
    with pytest.raises(NotFound):
        export.request_for_list("lead", rep, {}, view_id=private.id)
    with pytest.raises(NotFound):
        export.request_for_list("lead", director, {}, view_id=world["view"].id)  # another department
    with pytest.raises(NotFound):
        export.request_for_list("lead", rep, {}, view_id=accounts.id)  # a view of another list
    with pytest.raises(NotFound):
        export.request_for_list("lead", rep, {}, view_id="12345678901234567890")
    views.delete_view(manager, world["view"].id)
    with pytest.raises(NotFound):
        export.request_for_list("lead", rep, {}, view_id=world["view"].id)


def test_extra_clauses_narrow_the_view(world):
    from app.models import Lead

    req = export.request_for_list("lead", world["rep"], {}, view_id=world["view"].id,
                                  extra_clauses=(Lead.city == "上海",), order_by=(Lead.person_name.desc(),))
    assert [r[1] for r in rows_of(req)] == ["e 公海", "b 代表新"]


HOSTILE = ["=1+1", "+86 138 0000", "-cmd", "@SUM(A1)", "\tx", "\rx", "-10", "+3.5", "-1e3", "'=already", "正常",
           "a=b", "1-2"]


def test_every_text_cell_is_neutralised_exactly_as_neutralise_says(app_ctx, users):
    rep = users["Sales Rep"]
    for i, text in enumerate(HOSTILE):
        make_lead(owner=rep, person_name=text, company_name=f"公司{i}", city=text, description=None)
    rows = rows_of(export.ExportRequest(entity="lead", user=rep, order_by=()))
    by_company = {r[2]: r for r in rows}
    for i, text in enumerate(HOSTILE):
        row = by_company[f"公司{i}"]
        assert row[1] == export.neutralise(text) and row[14] == export.neutralise(text), text
    assert by_company["公司6"][1] == "-10" and by_company["公司0"][1] == "'=1+1"
    assert by_company["公司0"][16] == ""  # an empty description stays empty


def test_times_are_local_minutes_and_money_keeps_its_cents(app_ctx, users):
    manager = users["Sales Manager"]
    make_lead(owner=manager, person_name="时间", created_at=dt.datetime(2026, 1, 1, 20, 30, 45, 123456))
    row = rows_of(export.ExportRequest(entity="lead", user=manager))[0]
    assert row[19] == "2026-01-02 04:30"  # Shanghai is UTC+8
    account = make_account(owner=manager, name="客户")
    make_opportunity(account=account, owner=manager, name="单", amount=Decimal("1250.50"))
    opp = rows_of(export.ExportRequest(entity="opportunity", user=manager))[0]
    assert opp[3] == "1250.50"


@pytest.mark.parametrize(("zone", "utc", "local"), [
    ("America/New_York", "2026-03-08 06:59:00", "2026-03-08 01:59"),  # just before summer time starts
    ("America/New_York", "2026-03-08 07:00:00", "2026-03-08 03:00"),  # and just after
    ("Asia/Kolkata", "2026-01-01 20:10:00.5", "2026-01-02 01:40"),  # half-hour offset: converted exactly
    ("Asia/Shanghai", "2026-01-01T20:10:00", "2026-01-02 04:10"),
    ("Asia/Shanghai", "not a time", None),
    ("Asia/Shanghai", None, None),
])
def test_local_clock(zone, utc, local):
    clock = export._LocalClock(zone)
    assert clock.column([utc, utc]) == [local, local]
    assert clock.column([utc, "2026-06-01 00:00:00"])[0] == local  # mixed with another hour
