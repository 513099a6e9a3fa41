"""Points 积分: paid by rules for events, never twice, the same whatever the door."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select, update

from app.extensions import db
from app.models import Badge, CrmEvent, EventCursor, History, PointEntry, PointRule, utcnow
from app.models.actor import acting_as
from app.services import events, rewards
from app.services.conversion import convert_lead
from app.services.errors import ValidationFailed
from app.services.periods import Period
from tests.factories import make_lead, make_opportunity, make_user, stage


@pytest.fixture
def rules(app_ctx):
    rewards.restore_default_rules()


def entries(user):
    return sorted((e.event.kind, e.points) for e in db.session.scalars(
        select(PointEntry).where(PointEntry.user_id == user.id)))


def test_conversion_pays_ten_and_retries_pay_nothing(rules, users):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep)
    with acting_as(rep.id, "ui"):
        convert_lead(lead.id, rep)
    events.process_new_history()
    assert entries(rep) == [("lead.converted", 10)]
    # a retry from the start, and a second worker recording the same events again
    db.session.execute(update(EventCursor).values(last_id=0))
    db.session.commit()
    events.process_new_history()
    rows = db.session.scalars(select(History).order_by(History.id)).all()
    assert events.record(events.derive(rows)) == 0
    db.session.commit()
    assert rewards.total(rep.id) == 10


def test_same_points_through_the_screen_the_api_and_a_bulk_action(rules, users):
    """Three reps convert a lead each, through three doors; each gets the same +10."""
    reps = [make_user(f"door_rep{i}") for i in range(3)]
    leads = [make_lead(owner=rep) for rep in reps]
    with acting_as(reps[0].id, "ui"):
        convert_lead(leads[0].id, reps[0])
    with acting_as(reps[1].id, "api"):
        convert_lead(leads[1].id, reps[1])
    # a set-based bulk door: rows changed with Core, history inserted without ORM objects
    db.session.execute(insert(History.__table__), [{
        "entity": "lead", "record_id": leads[2].id, "action": "convert", "door": "bulk",
        "actor_id": reps[2].id, "at": utcnow(), "changes": {"status": ["new", "converted"]}, "note": None}])
    db.session.commit()
    events.process_new_history()
    assert [entries(rep) for rep in reps] == [[("lead.converted", 10)]] * 3
    doors = sorted(db.session.scalars(select(CrmEvent.door)))
    assert doors == ["api", "bulk", "ui"]


def test_won_pays_per_ten_thousand(rules, users):
    rep = users["Sales Rep"]
    deal = make_opportunity(owner=rep, amount=Decimal("25999"))
    small = make_opportunity(owner=rep, amount=Decimal("9999"))
    for opp in (deal, small):
        opp.stage_id = stage(won=True).id
    db.session.commit()
    events.process_new_history()
    assert entries(rep) == [("opportunity.won", 2)]  # 9,999 earns nothing, so no line


def test_inactive_or_zero_rules_pay_nothing(rules, users):
    db.session.execute(update(PointRule).where(PointRule.event == "lead.converted").values(active=False))
    db.session.commit()
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep)
    with acting_as(rep.id, "ui"):
        convert_lead(lead.id, rep)
    events.process_new_history()
    assert entries(rep) == []
    assert db.session.scalar(select(func.count(CrmEvent.id))) == 0


def test_rule_validation(app_ctx):
    assert rewards.check_rule("opportunity.won", "1", "10000") == ("opportunity.won", 1, Decimal("10000"))
    for bad in (("nope", 1, None), ("lead.converted", "x", None), ("lead.converted", 1, "-5"),
                ("lead.converted", 99999, None), ("lead.converted", 1, "abc")):
        with pytest.raises(ValidationFailed):
            rewards.check_rule(*bad)


def _entry(user, points, at):
    """A ledger line at a given time (the event behind it is a stand-in)."""
    event_id = db.session.execute(insert(CrmEvent.__table__).values(
        key=f"test:{user.id}:{at.isoformat()}:{points}", kind="lead.converted", entity="lead", record_id=1,
        user_id=user.id, door="ui", at=at, payload="{}").returning(CrmEvent.id)).scalar()
    db.session.add(PointEntry(user_id=user.id, event_id=event_id, points=points, at=at))
    db.session.commit()


def test_leaderboards_by_period_and_department(app_ctx, users):
    rep, manager, director = users["Sales Rep"], users["Sales Manager"], users["Sales Director"]
    now = dt.datetime(2026, 11, 25, 4, 0)  # Wednesday, noon in Shanghai
    _entry(rep, 10, now)
    _entry(manager, 30, now - dt.timedelta(days=10))  # this month, not this week
    _entry(director, 50, now - dt.timedelta(days=40))  # last month, this quarter
    week, month, quarter = (Period.containing(kind, now) for kind in ("week", "month", "quarter"))
    assert [(s.name, s.points) for s in rewards.leaderboard(week)] == [(rep.display_name, 10)]
    assert [s.points for s in rewards.leaderboard(month)] == [30, 10]
    assert [(s.rank, s.points) for s in rewards.leaderboard(quarter)] == [(1, 50), (2, 30), (3, 10)]
    by_department = rewards.leaderboard(quarter, by="department")
    assert [(s.name, s.points) for s in by_department] == [("销售事业部", 50), ("华东销售部", 40)]
    east = [s.name for s in rewards.leaderboard(quarter, department_id=rep.department_id)]
    assert director.display_name not in east and rep.display_name in east


def test_period_boundaries_follow_the_company_time_zone(app_ctx, users):
    rep = users["Sales Rep"]
    _entry(rep, 5, dt.datetime(2026, 11, 30, 17, 0))  # 1 December, 01:00 in Shanghai
    assert rewards.leaderboard(Period.parse("2026-11")) == []
    assert [s.points for s in rewards.leaderboard(Period.parse("2026-12"))] == [5]


def test_badges_at_thresholds(app_ctx, users):
    rep = users["Sales Rep"]
    db.session.add_all([Badge(name_zh="新星", name_en="Rising star", threshold=10, icon="fa-star"),
                        Badge(name_zh="金牌", name_en="Gold", threshold=100, icon="fa-trophy")])
    db.session.commit()
    _entry(rep, 12, utcnow())
    assert [b.name_en for b in rewards.badges_for(rewards.total(rep.id))] == ["Rising star"]
    standing, = rewards.leaderboard(Period.containing("month"))
    assert [b.name_en for b in standing.badges] == ["Rising star"]


def test_who_may_read_a_ledger(app_ctx, users):
    rep, manager, director = users["Sales Rep"], users["Sales Manager"], users["Sales Director"]
    assert rewards.may_see_ledger(rep, rep.id)
    assert not rewards.may_see_ledger(rep, manager.id)
    assert rewards.may_see_ledger(manager, rep.id)
    assert rewards.may_see_ledger(director, manager.id)
    assert not rewards.may_see_ledger(manager, director.id)


def test_leaderboard_widget_shows_the_top_and_my_place(app_ctx, users):
    from zoneinfo import ZoneInfo

    from app.services.widgets import WIDGETS, Context

    rep = users["Sales Rep"]
    now = dt.datetime(2026, 11, 25, 4, 0)
    others = [make_user(f"board{i}") for i in range(4)]
    for i, user in enumerate(others):
        _entry(user, 100 - i, now)
    _entry(rep, 1, now)
    context = Context(user=rep, now=now, zone=ZoneInfo("Asia/Shanghai"), can=lambda view: True)
    data = WIDGETS["leaderboard"].load(context, {"period": "week", "by": "user", "top": 3})
    assert [s.points for s in data["top"]] == [100, 99, 98]
    assert (data["mine"].rank, data["mine"].points) == (5, 1)
