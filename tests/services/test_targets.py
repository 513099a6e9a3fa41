"""Sales targets 业绩目标: progress from won opportunities, scope, CSV import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Department, SalesTarget
from app.services import targets
from app.services.errors import ValidationFailed
from app.services.periods import Period
from tests.factories import make_account, make_opportunity, make_user, stage


def _won(owner, amount, closed_at, currency="CNY"):
    return make_opportunity(owner=owner, amount=Decimal(amount), stage_id=stage(won=True).id,
                            closed_at=closed_at, currency=currency)


def _dept(name):
    return db.session.scalar(select(Department).where(Department.name == name))


def test_progress_counts_won_deals_closed_in_the_period(app_ctx, users):
    rep, director = users["Sales Rep"], users["Sales Director"]
    nov = dt.datetime(2026, 11, 10, 3, 0)
    _won(rep, "30000", nov)
    _won(rep, "20000", dt.datetime(2026, 11, 30, 15, 30))  # 23:30 on 30 Nov in Shanghai: November
    _won(rep, "99999", dt.datetime(2026, 11, 30, 16, 30))  # 00:30 on 1 Dec in Shanghai: December
    _won(rep, "5000", nov, currency="USD")  # another currency: not added in
    make_opportunity(owner=rep, amount=Decimal("77777"))  # open: not counted
    lost = make_opportunity(owner=rep, amount=Decimal("88888"), stage_id=stage(lost=True).id)
    lost.closed_at = nov
    db.session.commit()
    targets.set_target(director, rep, "2026-11", "100000", 2)
    result = targets.progress(rep, "2026-11")
    assert result.won_amount == Decimal("50000.00")
    assert result.target_amount == Decimal("100000.00") and result.percent == 50
    quarter = targets.progress(rep, Period.parse("2026-Q4"))
    assert quarter.won_amount == Decimal("149999.00") and quarter.target is None and quarter.percent is None


def test_department_progress_includes_sub_departments(app_ctx, users):
    rep, director = users["Sales Rep"], users["Sales Director"]
    north = make_user("north_rep", department=_dept("华北销售部"))
    when = dt.datetime(2026, 10, 15)
    _won(rep, "10000", when)
    _won(north, "15000", when)
    division, east = _dept("销售事业部"), _dept("华东销售部")
    targets.set_target(director, division, "2026-Q4", "50000")
    assert targets.progress(division, "2026-Q4").won_amount == Decimal("25000.00")
    assert targets.progress(division, "2026-Q4").percent == 50
    assert targets.progress(east, "2026-Q4").won_amount == Decimal("10000.00")


def test_new_accounts_are_counted(app_ctx, users):
    rep = users["Sales Rep"]
    make_account(owner=rep)
    make_account(owner=rep)
    make_account()  # in the pool
    period = Period.containing("month")
    assert targets.progress(rep, period).new_accounts == 2


def test_setting_replaces_and_validates(app_ctx, users):
    rep, director = users["Sales Rep"], users["Sales Director"]
    targets.set_target(director, rep, "2026-11", "1,000", None)
    targets.set_target(director, rep, "2026-11", "2000", 3, "usd")
    target, = db.session.scalars(select(SalesTarget)).all()
    assert (target.won_amount, target.new_accounts, target.currency) == (Decimal("2000.00"), 3, "USD")
    for period, amount, count, currency in (("2026-13", "1", None, "CNY"), ("2026-W05", "1", None, "CNY"),
                                            ("next month", "1", None, "CNY"), ("2026-11", "-1", None, "CNY"),
                                            ("2026-11", "abc", None, "CNY"), ("2026-11", "1", "x", "CNY"),
                                            ("2026-11", "1", None, "XXX"), ("2026-11", "NaN", None, "CNY")):
        with pytest.raises(ValidationFailed):
            targets.set_target(director, rep, period, amount, count, currency)
    assert db.session.scalar(select(func.count(SalesTarget.id))) == 1


def test_who_may_set_and_see_targets(app_ctx, users):
    rep, manager, director = users["Sales Rep"], users["Sales Manager"], users["Sales Director"]
    north = make_user("north_rep2", department=_dept("华北销售部"))
    east, division = _dept("华东销售部"), _dept("销售事业部")
    assert targets.editable(manager, rep) and targets.editable(manager, east)
    assert not targets.editable(manager, north) and not targets.editable(manager, division)
    assert not targets.editable(manager, manager)  # their own target comes from above
    assert not targets.editable(rep, rep)
    with pytest.raises(ValidationFailed):
        targets.set_target(manager, north, "2026-11", "1")
    for subject in (rep, manager, north, east, division, _dept("华北销售部")):
        targets.set_target(director, subject, "2026-11", "1000")
    period = Period.parse("2026-11")

    def seen(viewer):
        return {str(p.target.subject) for p in targets.targets_for(viewer, period)}

    assert seen(rep) == {str(rep), "华东销售部", "销售事业部"}
    assert seen(manager) == {str(rep), str(manager), "华东销售部", "销售事业部"}
    assert len(seen(director)) == 6


def test_csv_import_is_all_or_nothing(app_ctx, users):
    director = users["Sales Director"]
    good = ("period,user,department,won_amount,new_accounts,currency\n"
            "2026-11,sales_rep,,100000,5,CNY\n"
            "2026-Q4,,华东销售部,900000,,\n")
    assert targets.import_csv(director, good.encode("utf-8-sig")) == 2
    assert db.session.scalar(select(func.count(SalesTarget.id))) == 2
    bad = ("period,user,department,won_amount\n"
           "2026-12,sales_rep,,50000\n"
           "2026-12,nobody,,1\n"
           "2026-12,sales_rep,华东销售部,1\n"
           "2026-12,,华东销售部,-3\n")
    with pytest.raises(ValidationFailed) as error:
        targets.import_csv(director, bad)
    assert "3" in str(error.value.message) and "4" in str(error.value.message) and "5" in str(error.value.message)
    assert db.session.scalar(select(func.count(SalesTarget.id))) == 2  # nothing of the bad file
    with pytest.raises(ValidationFailed):
        targets.import_csv(director, "name,amount\nx,1\n")


def test_target_progress_widget(app_ctx, users):
    from zoneinfo import ZoneInfo

    from app.services.widgets import WIDGETS, Context

    rep, director = users["Sales Rep"], users["Sales Director"]
    now = dt.datetime(2026, 11, 25, 4, 0)
    _won(rep, "30000", now - dt.timedelta(days=1))
    targets.set_target(director, rep, "2026-11", "60000")
    targets.set_target(director, _dept("华东销售部"), "2026-Q4", "300000")
    context = Context(user=rep, now=now, zone=ZoneInfo("Asia/Shanghai"), can=lambda view: True)
    month = WIDGETS["target_progress"].load(context, {"period": "month"})
    assert [(p.won_amount, p.percent) for _label, p in month["rows"]] == [(Decimal("30000.00"), 50),
                                                                          (Decimal("30000.00"), None)]
    quarter = WIDGETS["target_progress"].load(context, {"period": "quarter"})
    assert [p.percent for _label, p in quarter["rows"]] == [None, 10]
    assert not WIDGETS["target_progress"].allowed(lambda view: view != "TargetView")
