"""Tickets through the shared screens: the account timeline, the analytics dashboard and its
drill-down, the recycle bin and the handover summary."""

from __future__ import annotations

import json
import re

from app.extensions import db
from app.models import Ticket
from app.services import recycle_bin, tickets
from tests.factories import make_account, make_contact, make_user


def _ticket(subject, **over) -> Ticket:
    tickets.seed_ticket_defaults()
    return tickets.open_ticket(subject, "描述", **over)[0]


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_salesperson_sees_the_customers_ticket_on_the_account_timeline(app_ctx, users, login):
    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    ticket = _ticket("投诉：安装延误", contact=make_contact(account=account, owner=rep))
    page = _text(login("Sales Rep", lang="zh").get(f"/account/show/{account.id}"))
    timeline = page[page.index('id="timeline"'):]
    assert "crm-timeline-ticket" in timeline and ticket.number in timeline and "投诉：安装延误" in timeline
    assert f"/ticket/show/{ticket.id}" in timeline
    # and in the related panel, with its service-level badge
    panel = page[page.index('id="tickets"'):]
    assert ticket.number in panel


def test_the_service_dashboard_draws_and_drills_into_the_ticket_list(app_ctx, users, login):
    mine = _ticket("分配给客服的工单")
    other = _ticket("未分配的工单")
    mine.owner_id = users["Customer Service"].id
    other.owner_id = None
    db.session.commit()
    director = login("Sales Director")
    page = _text(director.get("/analytics/service"))
    assert "Customer service" in page and "Open backlog by assignee" in page
    data = json.loads(re.search(r'id="crm-analytics-data">(.*?)</script>', page, re.S).group(1))
    backlog = next(c for c in data["charts"] if c["key"] == "service_backlog")
    link = next(c["url"] for c in backlog["categories"] if c["value"] == mine.owner_id)
    assert link.startswith("/ticket/list/?"), "each assignee's bar links to their tickets"
    listed = _text(director.get(link))
    assert "分配给客服的工单" in listed and "未分配的工单" not in listed
    assert director.get("/analytics/service/export/service_backlog.csv").status_code == 200


def test_a_deleted_ticket_waits_in_the_recycle_bin_and_comes_back(app_ctx, users, login):
    ticket = _ticket("误删的工单")
    service = login("Customer Service")
    recycle_bin.soft_delete(db.session, [db.session.get(Ticket, ticket.id)])
    assert service.get(f"/ticket/show/{ticket.id}").status_code == 404
    page = _text(service.get("/recycle-bin/?entity=ticket"))
    assert "误删的工单" in page
    restored = service.post_form(f"/recycle-bin/ticket/{ticket.id}/restore", {}, form_page="/recycle-bin/")
    assert restored.status_code == 302
    assert service.get(f"/ticket/show/{ticket.id}").status_code == 200
    rep_page = _text(login("Sales Rep").get("/recycle-bin/?entity=ticket"))
    assert "误删的工单" not in rep_page  # unmatched: not one of the rep's customers


def test_handover_summary_says_where_the_open_tickets_went(app_ctx, users, login):
    leaving, successor = make_user(role="Customer Service"), make_user(role="Customer Service")
    ticket = _ticket("离职者的工单")
    ticket.owner_id = leaving.id
    db.session.commit()
    admin = login("Admin")
    preview = _text(admin.get(f"/handover/?departing={leaving.id}"))
    assert "Open tickets" in preview
    done = admin.post_form("/handover/", {"departing": leaving.id, "receiver": successor.id},
                           form_page=f"/handover/?departing={leaving.id}", follow_redirects=True)
    page = _text(done)
    assert f"1 open tickets now belong to {successor.display_name}" in page
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).owner_id == successor.id


def test_the_ticket_page_shows_its_history(app_ctx, users, login):
    ticket = _ticket("有记录的工单")
    tickets.change_status(ticket.id, users["Customer Service"], "in_progress")
    page = _text(login("Customer Service").get(f"/ticket/show/{ticket.id}"))
    assert 'id="history"' in page
    history = page[page.index('id="history"'):]
    assert "In progress" in history


def test_service_pages_speak_chinese(app_ctx, users, login):
    from tests.views.test_translations import _data_strings, english_left

    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    ticket = _ticket("设备故障", account=account)
    tickets.reply(ticket.id, users["Customer Service"], "已安排维修", then_status="resolved")
    data = _data_strings() + [ticket.number]
    pages = {"/ticket-report/": login("Customer Service", lang="zh"),
             "/analytics/service": login("Sales Director", lang="zh"),
             f"/account/show/{account.id}": login("Sales Rep", lang="zh"),
             f"/ticket/show/{ticket.id}": login("Customer Service", lang="zh")}
    for path, client in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        left = english_left(path, _text(response), data)
        assert left == [], (path, left)
