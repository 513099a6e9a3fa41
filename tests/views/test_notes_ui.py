"""Notes box and timeline on show pages; recently viewed through the show pages and the navbar menu."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from app.extensions import db
from app.models import Account, FollowUp, Note, utcnow
from tests.factories import (
    make_account,
    make_activity,
    make_contact,
    make_lead,
    make_note,
    make_opportunity,
    make_user,
)


def _save(client, entity, pk, text, kind="note"):
    token = client.csrf(f"/{entity}/show/{pk}")
    return client.post(f"/notes/{entity}/{pk}", data={"text": text, "kind": kind, "csrf_token": token},
                       headers={"Accept": "application/json"})


def test_every_record_page_has_the_note_box_and_timeline(app_ctx, users, login):
    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    records = {"lead": make_lead(owner=rep), "account": account,
               "contact": make_contact(account=account, owner=rep),
               "opportunity": make_opportunity(account=account, owner=rep)}
    client = login("Sales Rep")
    for entity, record in records.items():
        html = client.get(f"/{entity}/show/{record.id}").get_data(as_text=True)
        assert 'class="crm-note-form"' in html, entity
        assert 'class="panel panel-default crm-history"' not in html  # the timeline replaces it
        assert "crm-timeline-history" in html  # the creation is in the timeline


def test_a_note_saves_and_comes_back_in_the_timeline_newest_first(app_ctx, users, login):
    rep = users["Sales Rep"]
    account = make_account(owner=rep, name="甲公司")
    make_note(author=rep, account_id=account.id, text="较早的便签")
    make_activity(owner=rep, account_id=account.id, subject="下周拜访")
    client = login("Sales Rep")
    response = _save(client, "account", account.id, "客户说预算在下季度")
    data = json.loads(response.data)
    assert response.status_code == 200 and data["ok"] and data["message"] == "Note saved."
    html = data["html"]
    assert html.index("客户说预算在下季度") < html.index("较早的便签")
    assert "下周拜访" in html
    assert db.session.scalar(select(Note).where(Note.text == "客户说预算在下季度")).created_by_id == rep.id
    page = client.get(f"/account/show/{account.id}").get_data(as_text=True)
    assert "客户说预算在下季度" in page
    assert "客户说预算在下季度" in client.get(f"/notes/account/{account.id}/timeline").get_data(as_text=True)


def test_logging_a_follow_up_from_the_note_box(app_ctx, users, login):
    rep = users["Sales Rep"]
    account = make_account(owner=rep, last_followup_at=utcnow() - dt.timedelta(days=50))
    client = login("Sales Rep")
    data = json.loads(_save(client, "account", account.id, "电话沟通了续约", kind="call").data)
    assert data["ok"] and "电话沟通了续约" in data["html"] and "crm-timeline-followup" in data["html"]
    assert db.session.scalar(select(FollowUp)).account_id == account.id
    db.session.expire_all()
    assert db.session.get(Account, account.id).last_followup_at > utcnow() - dt.timedelta(minutes=1)


def test_notes_are_validated_scoped_and_need_permission(app_ctx, users, login):
    rep = users["Sales Rep"]
    mine = make_account(owner=rep)
    theirs = make_account(owner=make_user("rep_three", "Sales Rep"))
    client = login("Sales Rep")
    empty = _save(client, "account", mine.id, "   ")
    assert empty.status_code == 422 and json.loads(empty.data)["message"] == "Write something first."
    too_long = _save(client, "account", mine.id, "x" * 5001)
    assert too_long.status_code == 422
    token = client.csrf(f"/account/show/{mine.id}")
    outside = client.post(f"/notes/account/{theirs.id}", data={"text": "看看", "csrf_token": token},
                          headers={"Accept": "application/json"})
    assert outside.status_code == 404
    assert client.get(f"/notes/account/{theirs.id}/timeline").status_code == 404
    assert client.post(f"/notes/account/{mine.id}", data={"text": "no token"}).status_code == 400
    assert db.session.scalar(select(Note)) is None
    # an executive reads the timeline but has no note box and cannot post one
    executive = login("Executive")
    assert 'class="crm-note-form"' not in executive.get(f"/account/show/{mine.id}").get_data(as_text=True)
    token = executive.csrf("/resetmypassword/form")
    denied = executive.post(f"/notes/account/{mine.id}", data={"text": "x", "csrf_token": token},
                            headers={"Accept": "application/json"})
    assert denied.status_code == 403


def test_recently_viewed_records_show_pages_and_lists_them(app_ctx, users, login):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, person_name="赵六")
    account = make_account(owner=rep, name="乙公司")
    opportunity = make_opportunity(account=account, owner=rep, name="年度采购")
    client = login("Sales Rep")
    for path in (f"/lead/show/{lead.id}", f"/account/show/{account.id}", f"/opportunity/show/{opportunity.id}"):
        assert client.get(path).status_code == 200
    menu = client.get("/recent/menu").get_data(as_text=True)
    assert menu.index("年度采购") < menu.index("乙公司") < menu.index("赵六")
    assert "乙公司" in client.get("/").get_data(as_text=True)  # the widget
    # once the lead leaves the rep's scope, it leaves the menu too
    lead_row = db.session.get(type(lead), lead.id)
    lead_row.owner_id = users["Sales Manager"].id
    db.session.commit()
    assert "赵六" not in client.get("/recent/menu").get_data(as_text=True)
