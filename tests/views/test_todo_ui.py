"""My to-do, the week view, completing with an outcome, and the bell's polling endpoint."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from app.extensions import db
from app.models import Account, Activity, FollowUp, utcnow
from tests.factories import make_account, make_activity, make_user


def test_todo_tabs_show_only_my_activities(app_ctx, users, login):
    rep = users["Sales Rep"]
    make_activity(owner=rep, subject="逾期的电话", due_at=utcnow() - dt.timedelta(days=2))
    make_activity(owner=rep, subject="下周拜访", due_at=utcnow() + dt.timedelta(days=8))
    make_activity(owner=users["Sales Manager"], subject="经理的会议", due_at=utcnow() - dt.timedelta(days=1))
    client = login("Sales Rep")
    overdue = client.get("/todo/?tab=overdue").get_data(as_text=True)
    assert "逾期的电话" in overdue and "经理的会议" not in overdue and "下周拜访" not in overdue
    assert 'class="danger"' in overdue  # overdue rows are highlighted
    assert "下周拜访" in client.get("/todo/?tab=upcoming").get_data(as_text=True)
    assert client.get("/todo/?tab=nope").status_code == 404


def test_week_view(app_ctx, users, login):
    rep = users["Sales Rep"]
    make_activity(owner=rep, subject="本周的事", due_at=utcnow() + dt.timedelta(minutes=5))
    client = login("Sales Rep")
    html = client.get("/todo/week").get_data(as_text=True)
    assert "本周的事" in html and html.count('class="crm-week-day') == 7
    assert client.get("/todo/week?start=2020-01-06").status_code == 200
    assert client.get("/todo/week?start=garbage").status_code == 200


def test_complete_asks_for_the_outcome_and_records_a_follow_up(app_ctx, users, login):
    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    activity = make_activity(owner=rep, account_id=account.id, subject="电话回访")
    client = login("Sales Rep")
    page = f"/todo/complete/{activity.id}"
    assert "Outcome" in client.get(page).get_data(as_text=True)
    refused = client.post_form(page, {"outcome": "  "}, follow_redirects=True)
    assert "Describe the outcome." in refused.get_data(as_text=True)
    assert db.session.get(Activity, activity.id).done_at is None

    tomorrow = (dt.datetime.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post_form(page, {"outcome": "客户要报价", "next_subject": "发报价", "next_type": "email",
                                       "next_due_at": tomorrow, "next": "/todo/?tab=done"})
    assert response.status_code == 302 and response.location.endswith("/todo/?tab=done")
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).outcome == "客户要报价"
    follow = db.session.scalar(select(FollowUp))
    assert follow.account_id == account.id and follow.outcome == "客户要报价"
    assert db.session.get(Account, account.id).last_followup_at is not None
    nxt = db.session.scalar(select(Activity).where(Activity.subject == "发报价"))
    assert nxt.owner_id == rep.id and nxt.type == "email" and nxt.account_id == account.id


def test_complete_keeps_the_input_on_a_bad_date_and_refuses_offsite_next(app_ctx, users, login):
    activity = make_activity(owner=users["Sales Rep"])
    client = login("Sales Rep")
    page = f"/todo/complete/{activity.id}"
    html = client.post_form(page, {"outcome": "谈妥了", "next_subject": "签约", "next_due_at": "tomorrow"}).get_data(as_text=True)
    assert "Enter a date and time" in html and "谈妥了" in html
    response = client.post_form(page, {"outcome": "谈妥了", "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil" not in response.location


def test_complete_respects_scope_and_permissions(app_ctx, users, login):
    other = make_user("rep_two", "Sales Rep")
    theirs = make_activity(owner=other)
    assert login("Sales Rep").get(f"/todo/complete/{theirs.id}").status_code == 404
    mine = make_activity(owner=users["Sales Rep"])
    assert login("Executive").get(f"/todo/complete/{mine.id}").status_code == 403


def test_bell_polls_due_reminders_and_snoozes(app_ctx, users, login):
    rep = users["Sales Rep"]
    activity = make_activity(owner=rep, subject="给王总回电话", remind_at=utcnow() - dt.timedelta(minutes=1))
    make_activity(owner=rep, subject="以后再说", remind_at=utcnow() + dt.timedelta(hours=3))
    client = login("Sales Rep")
    data = json.loads(client.get("/todo/reminders").data)
    assert data["count"] == 1 and "给王总回电话" in data["html"] and "以后再说" not in data["html"]
    token = client.csrf("/")
    response = client.post(f"/todo/reminders/{activity.id}/snooze", data={"minutes": "10", "csrf_token": token},
                           headers={"Accept": "application/json"})
    assert json.loads(response.data) == {"ok": True}
    assert json.loads(client.get("/todo/reminders").data)["count"] == 0
    bad = client.post(f"/todo/reminders/{activity.id}/snooze", data={"minutes": "3", "csrf_token": token},
                      headers={"Accept": "application/json"})
    assert bad.status_code == 422
    # another user cannot dismiss it
    manager = login("Sales Manager")
    denied = manager.post(f"/todo/reminders/{activity.id}/dismiss", data={"csrf_token": manager.csrf("/")},
                          headers={"Accept": "application/json"})
    assert denied.status_code == 404


def test_bell_in_chinese_and_without_csrf(app_ctx, users, login):
    rep = users["Sales Rep"]
    activity = make_activity(owner=rep, remind_at=utcnow() - dt.timedelta(minutes=1))
    client = login("Sales Rep", "zh")
    data = json.loads(client.get("/todo/reminders").data)
    assert "稍后提醒" in data["html"] and "忽略" in data["html"]
    assert client.post(f"/todo/reminders/{activity.id}/dismiss").status_code == 400  # no CSRF token
    assert json.loads(client.get("/todo/reminders").data)["count"] == 1
    html = client.get("/").get_data(as_text=True)
    assert 'id="crm-bell"' in html and 'id="crm-recent"' in html


def test_overdue_activities_are_highlighted_on_the_list_and_completable_from_their_page(app_ctx, users, login):
    rep = users["Sales Rep"]
    late = make_activity(owner=rep, subject="迟到的任务", due_at=utcnow() - dt.timedelta(hours=3))
    done = make_activity(owner=rep, subject="完成的任务", due_at=utcnow() - dt.timedelta(hours=3), done_at=utcnow())
    client = login("Sales Rep")
    html = client.get("/activity/list/").get_data(as_text=True)
    row = html[html.index("迟到的任务"):]
    assert '<span class="label label-danger">Overdue</span>' in row[:row.index("</tr>")]
    assert f"/todo/complete/{late.id}" in client.get(f"/activity/show/{late.id}").get_data(as_text=True)
    assert f"/todo/complete/{done.id}" not in client.get(f"/activity/show/{done.id}").get_data(as_text=True)
    again = client.get(f"/todo/complete/{done.id}")
    assert again.status_code == 302  # already done: back with a message, no second follow-up
