"""Activities: completing records a follow-up and moves the customer's last follow-up time (which
auto-reclaim reads), whatever the door; reminders ring, are dismissed and snoozed; the to-do tabs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, Activity, FollowUp, Lead, utcnow
from app.models.actor import acting_as
from app.services import activities
from app.services.errors import NotFound, ValidationFailed
from app.services.reclaim import due_clause
from tests.factories import make_account, make_activity, make_contact, make_lead, make_opportunity, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def followups() -> list[FollowUp]:
    return list(db.session.scalars(select(FollowUp).order_by(FollowUp.id)))


def test_completing_records_a_follow_up_and_moves_last_follow_up(app_ctx, users):
    rep = users["Sales Rep"]
    old = utcnow() - dt.timedelta(days=100)
    account = make_account(owner=rep, last_followup_at=old, created_at=old)
    assert db.session.scalar(select(func.count()).where(due_clause(utcnow()), Account.id == account.id)) == 1
    activity = make_activity(owner=rep, account_id=account.id, subject="季度回访")
    with acting_as(rep.id, "ui"):
        done, nxt = activities.complete_activity(activity.id, rep, "  客户同意续约  ")
    assert nxt is None and done.outcome == "客户同意续约" and done.done_at is not None
    [follow] = followups()
    assert (follow.account_id, follow.activity_id, follow.outcome, follow.type) == (
        account.id, activity.id, "客户同意续约", "call")
    assert follow.created_by_id == rep.id
    db.session.refresh(account)
    assert account.last_followup_at == done.done_at
    # the account is no longer due for auto-reclaim
    assert db.session.scalar(select(func.count()).where(due_clause(utcnow()), Account.id == account.id)) == 0


def test_follow_up_on_a_contact_or_opportunity_counts_for_its_account(app_ctx, users):
    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    contact = make_contact(account=account, owner=rep)
    opportunity = make_opportunity(account=account, owner=rep)
    for parent in ({"contact_id": contact.id}, {"opportunity_id": opportunity.id}):
        activity = make_activity(owner=rep, **parent)
        done, _ = activities.complete_activity(activity.id, rep, "谈过了")
        db.session.refresh(account)
        assert account.last_followup_at == done.done_at
    assert [f.contact_id or f.opportunity_id for f in followups()] == [contact.id, opportunity.id]


def test_a_follow_up_on_a_new_lead_marks_it_contacted(app_ctx, users):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, status="new")
    activities.log_followup("lead", lead.id, rep, "第一次电话，有兴趣", "call")
    assert db.session.get(Lead, lead.id).status == "contacted"
    qualified = make_lead(owner=rep, status="qualified")
    activities.log_followup("lead", qualified.id, rep, "再次沟通", "visit")
    assert db.session.get(Lead, qualified.id).status == "qualified"


def test_any_door_that_marks_an_activity_done_writes_one_follow_up(app_ctx, users):
    """e.g. the edit form or the API set done_at directly: the session hook still records it, once."""
    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    activity = make_activity(owner=rep, account_id=account.id, subject="拜访")
    activity.done_at = utcnow()
    db.session.commit()
    activity.outcome = "补写结果"  # a later edit of a done activity is not a new contact
    db.session.commit()
    [follow] = followups()
    assert follow.outcome == "拜访"  # no outcome given: the subject stands in
    created_done = Activity(type="visit", subject="已上门", account_id=account.id, owner_id=rep.id,
                            done_at=utcnow(), outcome="签了意向书")
    db.session.add(created_done)
    db.session.commit()
    assert [f.outcome for f in followups()] == ["拜访", "签了意向书"]
    assert followups()[1].activity_id == created_done.id


def test_complete_can_plan_the_next_activity(app_ctx, users):
    rep = users["Sales Rep"]
    activity = make_activity(owner=rep, subject="报价")
    due = utcnow() + dt.timedelta(days=2)
    _done, nxt = activities.complete_activity(
        activity.id, rep, "已报价", activities.NextActivity("跟进报价", "visit", due, due - dt.timedelta(hours=1)))
    assert (nxt.subject, nxt.type, nxt.owner_id, nxt.account_id, nxt.done_at) == (
        "跟进报价", "visit", rep.id, activity.account_id, None)


@pytest.mark.parametrize("outcome, nxt, message", [
    ("", None, "Describe the outcome."),
    ("x" * 2001, None, "The outcome is too long"),
    ("ok", activities.NextActivity("", "call", None), None),  # nothing asked: fine
    ("ok", activities.NextActivity("下次", "call", None), "Give the next activity a due time."),
    ("ok", activities.NextActivity("下次", "fax", utcnow() + dt.timedelta(days=1)), "Choose a type"),
    ("ok", activities.NextActivity("下次", "call", utcnow() - dt.timedelta(days=1)), "cannot be due in the past"),
    ("ok", activities.NextActivity("下次", "call", utcnow() + dt.timedelta(days=1), utcnow() + dt.timedelta(days=2)),
     "reminder must come before"),
])
def test_completion_is_validated_and_all_or_nothing(app_ctx, users, outcome, nxt, message):
    rep = users["Sales Rep"]
    activity = make_activity(owner=rep)
    if message is None:
        activities.complete_activity(activity.id, rep, outcome, nxt)
        return
    with pytest.raises(ValidationFailed) as error:
        activities.complete_activity(activity.id, rep, outcome, nxt)
    with force_locale("en"):
        assert message in str(error.value.message)
    db.session.rollback()
    assert db.session.get(Activity, activity.id).done_at is None
    assert followups() == [] and db.session.scalar(select(func.count(Activity.id))) == 1


def test_completing_twice_or_out_of_scope_is_refused(app_ctx, users):
    rep, other = users["Sales Rep"], make_user("other_rep", "Sales Rep")
    activity = make_activity(owner=rep)
    with pytest.raises(NotFound):
        activities.complete_activity(activity.id, other, "不是我的")
    activities.complete_activity(activity.id, rep, "完成")
    with pytest.raises(ValidationFailed):
        activities.complete_activity(activity.id, rep, "再来一次")
    assert len(followups()) == 1
    # the manager of the department may complete it for the rep (it is in their scope)
    second = make_activity(owner=rep)
    activities.complete_activity(second.id, users["Sales Manager"], "经理代为完成")
    assert len(followups()) == 2


def test_quick_log_is_scoped_and_validated(app_ctx, users):
    rep, other = users["Sales Rep"], make_user("other_rep2", "Sales Rep")
    account = make_account(owner=other)
    with pytest.raises(NotFound):
        activities.log_followup("account", account.id, rep, "偷看", "call")
    with pytest.raises(NotFound):
        activities.log_followup("ticket", account.id, rep, "x", "call")
    with pytest.raises(ValidationFailed):
        activities.log_followup("account", account.id, other, "x", "fax")
    with pytest.raises(ValidationFailed):
        activities.log_followup("account", account.id, other, "   ", "call")
    assert followups() == []


# -- reminders ----------------------------------------------------------------------------------

def test_due_reminders_dismiss_and_snooze(app_ctx, users):
    rep = users["Sales Rep"]
    now = utcnow()
    ringing = make_activity(owner=rep, subject="该提醒了", remind_at=now - dt.timedelta(minutes=5),
                            due_at=now + dt.timedelta(minutes=25))
    make_activity(owner=rep, subject="还没到", remind_at=now + dt.timedelta(hours=1))
    make_activity(owner=rep, subject="已完成", remind_at=now - dt.timedelta(hours=1), done_at=now)
    make_activity(owner=users["Sales Manager"], subject="别人的", remind_at=now - dt.timedelta(hours=1))
    count, items = activities.due_reminders(rep)
    assert count == 1 and [a.subject for a in items] == ["该提醒了"]

    until = activities.snooze_reminder(ringing.id, rep, 10)
    assert activities.due_reminders(rep)[0] == 0
    assert activities.due_reminders(rep, now=until + dt.timedelta(seconds=1))[0] == 1  # rings again
    with pytest.raises(ValidationFailed):
        activities.snooze_reminder(ringing.id, rep, 7)

    activities.dismiss_reminder(ringing.id, rep)
    assert activities.due_reminders(rep, now=now + dt.timedelta(minutes=30))[0] == 0
    # moving the reminder to a new time makes it ring again at that time
    activity = db.session.get(Activity, ringing.id)
    activity.remind_at = now - dt.timedelta(minutes=1)
    db.session.commit()
    assert activities.due_reminders(rep)[0] == 1


def test_only_the_owner_dismisses_or_snoozes(app_ctx, users):
    rep = users["Sales Rep"]
    activity = make_activity(owner=rep, remind_at=utcnow() - dt.timedelta(minutes=1))
    with pytest.raises(NotFound):
        activities.dismiss_reminder(activity.id, users["Sales Manager"])
    with pytest.raises(NotFound):
        activities.snooze_reminder(activity.id, users["Sales Director"], 10)
    assert activities.due_reminders(rep)[0] == 1


# -- the to-do inbox and the week ---------------------------------------------------------------

def test_todo_tabs_use_the_local_day(app_ctx, users):
    rep = users["Sales Rep"]
    now = dt.datetime(2026, 11, 25, 4, 0)  # 12:00 in Shanghai
    today_late = dt.datetime(2026, 11, 25, 15, 30)  # 23:30 local: still today
    tomorrow_early = dt.datetime(2026, 11, 25, 16, 30)  # 00:30 local tomorrow
    make_activity(owner=rep, subject="今晚", due_at=today_late)
    make_activity(owner=rep, subject="明早", due_at=tomorrow_early)
    make_activity(owner=rep, subject="上午", due_at=dt.datetime(2026, 11, 25, 1, 0))  # today, already late
    make_activity(owner=rep, subject="无日期", due_at=None)
    make_activity(owner=rep, subject="做完了", due_at=now, done_at=now)
    counts = activities.todo_counts(rep, SHANGHAI, now=now)
    assert counts == {"today": 2, "overdue": 1, "upcoming": 2, "done": 1}
    assert [a.subject for a in activities.todo(rep, "today", SHANGHAI, now=now)] == ["上午", "今晚"]
    assert [a.subject for a in activities.todo(rep, "upcoming", SHANGHAI, now=now)] == ["明早", "无日期"]
    with pytest.raises(NotFound):
        activities.todo(rep, "someday", SHANGHAI)
    days = activities.week(rep, dt.date(2026, 11, 23), SHANGHAI)
    assert [a.subject for a in days[dt.date(2026, 11, 26)]] == ["明早"]
    assert [a.subject for a in days[dt.date(2026, 11, 25)]] == ["上午", "做完了", "今晚"]
    assert len(days) == 7
