"""Ticket screens over HTTP: list with due times, show page with the conversation, replies,
internal notes, status, reassignment, opening by hand from an account, the related panel,
the admin's rules, the report and the customer's private link."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from app.extensions import db
from app.models import Ticket, TicketMessage, TicketStatus, utcnow
from app.services import tickets
from tests.factories import make_account, make_contact, make_user


def _ticket(**over):
    tickets.seed_ticket_defaults()
    ticket, token = tickets.open_ticket(over.pop("subject", "发票抬头错误"), "请重开发票", **over)
    return ticket, token


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_list_shows_due_times_and_highlights_overdue(app_ctx, login):
    late, _ = _ticket(subject="迟到的工单", priority="urgent")
    late.first_response_due_at = utcnow() - dt.timedelta(minutes=5)
    db.session.commit()
    _ticket(subject="准时的工单")
    page = _text(login("Customer Service").get("/ticket/list/"))
    assert "迟到的工单" in page and "准时的工单" in page
    assert page.count("crm-sla-overdue") == 1
    overdue_only = _text(login("Customer Service").get("/ticket/list/?qf=overdue"))
    assert "迟到的工单" in overdue_only and "准时的工单" not in overdue_only


def test_service_user_replies_notes_and_closes(app_ctx, users, login):
    ticket, token = _ticket()
    client = login("Customer Service")
    show = f"/ticket/show/{ticket.id}"
    assert ticket.number in _text(client.get(show))
    response = client.post_form(f"/ticket/{ticket.id}/message", {"body": "您好，已为您重开", "internal": "0",
                                                                  "then_status": "waiting_customer"}, form_page=show)
    assert response.status_code == 302
    client.post_form(f"/ticket/{ticket.id}/message", {"body": "客户是老客户，注意语气", "internal": "1"}, form_page=show)
    db.session.expire_all()
    stored = db.session.get(Ticket, ticket.id)
    assert stored.status == TicketStatus.WAITING and stored.first_responded_at is not None
    kinds = [m.kind for m in db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id))]
    assert kinds == ["staff_reply", "internal_note"]
    page = _text(client.get(show))
    assert "您好，已为您重开" in page and "客户是老客户" in page
    client.post_form(f"/ticket/{ticket.id}/status", {"status": "closed"}, form_page=show)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.CLOSED
    # an impossible step is refused with a message, nothing changes
    refused = client.post_form(f"/ticket/{ticket.id}/status", {"status": "waiting_customer"}, form_page=show,
                               follow_redirects=True)
    assert "cannot go from" in _text(refused)
    # the customer sees the reply but never the internal note
    portal = _text(client.get(f"/support/ticket/{token}"))
    assert "您好，已为您重开" in portal and "客户是老客户" not in portal


def test_reassign_and_new_customer_link(app_ctx, users, login):
    ticket, old_token = _ticket()
    other = make_user(role="Customer Service")
    client = login("Customer Service")
    show = f"/ticket/show/{ticket.id}"
    client.post_form(f"/ticket/{ticket.id}/assign", {"user_id": str(other.id)}, form_page=show)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).owner_id == other.id
    page = _text(client.post_form(f"/ticket/{ticket.id}/link", {}, form_page=show, follow_redirects=True))
    new_token = re.search(r"/support/ticket/([A-Za-z0-9_\-]+)", page).group(1)
    assert client.get(f"/support/ticket/{new_token}").status_code == 200
    assert client.get(f"/support/ticket/{old_token}").status_code == 404


def test_open_a_ticket_by_hand_from_an_account_page(app_ctx, users, login):
    tickets.seed_ticket_defaults()
    account = make_account(owner=users["Sales Rep"])
    contact = make_contact(account=account)
    client = login("Customer Service")
    account_page = _text(client.get(f"/account/show/{account.id}"))
    assert f"/ticket/add?account={account.id}" in account_page
    form = _text(client.get(f"/ticket/add?contact={contact.id}"))
    assert f'value="{account.id}" selected' in form and f'value="{contact.id}" selected' in form
    response = client.post_form("/ticket/add", {
        "subject": "电话报修：设备异响", "description": "客户来电", "priority": "high", "origin": "phone",
        "account": str(account.id), "contact": str(contact.id), "opportunity": "",
    }, form_page="/ticket/add")
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket).where(Ticket.subject == "电话报修：设备异响"))
    assert ticket.account_id == account.id and ticket.contact_id == contact.id
    assert ticket.number and ticket.resolution_due_at and ticket.access_token_hash
    shown = _text(client.get(response.location))
    assert "/support/ticket/" in shown  # the customer's link, shown once
    # the account page lists it for the service user and for the rep who owns the account
    for role in ("Customer Service", "Sales Rep"):
        panel = _text(login(role).get(f"/account/show/{account.id}"))
        assert ticket.number in panel and "crm-related-tickets" in panel


def test_rep_reads_only_tickets_of_accounts_they_see(app_ctx, users, login):
    mine, _ = _ticket(subject="我的客户的投诉", account=make_account(owner=users["Sales Rep"]))
    theirs, _ = _ticket(subject="别人的客户的投诉", account=make_account(owner=make_user(role="Sales Rep")))
    rep = login("Sales Rep")
    page = _text(rep.get("/ticket/list/"))
    assert "我的客户的投诉" in page and "别人的客户的投诉" not in page
    assert rep.get(f"/ticket/show/{theirs.id}").status_code == 404
    assert rep.get(f"/ticket/show/{mine.id}").status_code == 200
    assert "crm-ticket-reply" not in _text(rep.get(f"/ticket/show/{mine.id}"))  # read-only
    token = rep.csrf("/resetmypassword/form")  # any form of theirs carries the session's token
    assert rep.post(f"/ticket/{mine.id}/message", data={"body": "x", "csrf_token": token}).status_code == 403
    assert rep.get(f"/ticket/edit/{mine.id}").status_code == 403
    service = _text(login("Customer Service").get("/ticket/list/"))
    assert "我的客户的投诉" in service and "别人的客户的投诉" in service


def test_admin_configures_categories_sla_and_assignment(app_ctx, login):
    tickets.seed_ticket_defaults()
    admin = login("Admin")
    for path in ("/ticket-category/list/", "/ticket-sla/list/", "/ticket-assignment/list/",
                 "/inquiry-rule/list/", "/ticket-report/"):
        assert admin.get(path).status_code == 200, path
    service = login("Customer Service")
    assert service.get("/ticket-sla/list/").status_code == 403
    assert service.get("/ticket-report/").status_code == 200


def test_report_counts_and_backlog(app_ctx, users, login):
    for _ in range(2):
        _ticket(priority="urgent")
    done, _ = _ticket()
    tickets.reply(done.id, users["Customer Service"], "已解决", then_status="resolved")
    page = _text(login("Customer Service").get("/ticket-report/"))
    assert "Tickets opened per week" in page and "Open backlog by assignee" in page

    from app.services.analytics.filters import today

    monday = (today() - dt.timedelta(days=today().weekday())).isoformat()

    def this_week(chart: str) -> list[str]:  # the cells of the chart table's row for this week
        table = re.search(rf'id="chart-{chart}".*?</table>', page, re.S).group(0)
        row = next(r for r in re.findall(r"<tr>(.*?)</tr>", table, re.S) if f">{monday}<" in r)
        return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]

    assert this_week("service_opened_week") == ["3"]
    assert this_week("service_resolved_week") == ["1"]
    backlog = re.search(r'id="chart-service_backlog".*?</table>', page, re.S).group(0)
    assert "/ticket/list/?" in backlog and "a_e=ticket" in backlog  # each row drills into its tickets


def test_portal_in_both_languages_and_reply(app_ctx, client):
    ticket, token = _ticket()
    zh = _text(client.get(f"/support/ticket/{token}?lang=zh"))
    assert ticket.number in zh and "发送" in zh and 'href="/ticket' not in zh
    en = client.get(f"/support/ticket/{token}?lang=en")
    assert "Send" in _text(en) and en.headers["Cache-Control"] == "no-store"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', _text(en)).group(1)
    sent = client.post(f"/support/ticket/{token}", data={"body": "谢谢，我补充一下", "csrf_token": csrf})
    assert sent.status_code == 302
    assert [m.body for m in tickets.customer_messages(ticket)] == ["谢谢，我补充一下"]
    assert client.post(f"/support/ticket/{token}", data={"body": "no token"}).status_code == 400
    assert client.get("/support/ticket/not-a-real-token").status_code == 404


def test_admin_adds_a_category_rule_offering_only_service_users(app_ctx, users, login):
    from app.models import TicketAssignmentRule, TicketCategory

    tickets.seed_ticket_defaults()
    complaint = db.session.scalar(select(TicketCategory).where(TicketCategory.name_en == "Complaint"))
    admin = login("Admin")
    form = _text(admin.get("/ticket-assignment/add"))
    assert f'value="{users["Customer Service"].id}"' in form
    assert f'>{users["Sales Rep"].display_name}<' not in form  # a rep is not offered
    response = admin.post_form("/ticket-assignment/add", {
        "category": str(complaint.id), "department": "", "assignee": str(users["Customer Service"].id),
        "active": "y"}, form_page="/ticket-assignment/add")
    assert response.status_code == 302
    rule = db.session.scalar(select(TicketAssignmentRule).where(TicketAssignmentRule.category_id == complaint.id))
    assert rule.assignee_id == users["Customer Service"].id
    ticket, _ = _ticket(category_id=complaint.id)
    assert ticket.owner_id == users["Customer Service"].id
