"""Tickets: matching, assignment, the service-level clock, the customer's private link, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Department,
    MessageKind,
    Ticket,
    TicketAssignmentRule,
    TicketCategory,
    TicketStatus,
    utcnow,
)
from app.security.scope import is_visible, visible
from app.services import tickets
from app.services.errors import CrmError, NotFound, ValidationFailed
from tests.factories import make_account, make_contact, make_lead, make_user

NOW = dt.datetime(2026, 11, 25, 2, 0, 0)


@pytest.fixture
def defaults(app_ctx):
    tickets.seed_ticket_defaults()


def _open(**over):
    ticket, token = tickets.open_ticket(over.pop("subject", "打印机卡纸"), "详细描述", **over)
    return ticket, token


# -- matching ---------------------------------------------------------------------------------------
def test_contact_matched_by_mobile_in_another_spelling(defaults):
    account = make_account()
    contact = make_contact(account=account, mobile="13812345678")
    assert tickets.match_customer("+86 138-1234-5678", None) == (account, contact)


def test_contact_matched_by_email_case_and_spaces(defaults):
    account = make_account()
    contact = make_contact(account=account, mobile=None, email="li.lei@example.com")
    assert tickets.match_customer(None, "  Li.Lei@Example.COM ") == (account, contact)


def test_account_matched_by_its_phone(defaults):
    account = make_account(phone="021-6234 5678")
    assert tickets.match_customer("02162345678", None) == (account, None)


def test_converted_lead_leads_to_its_account(defaults):
    account = make_account()
    contact = make_contact(account=account, mobile=None)
    make_lead(mobile="13700001111", converted_account_id=account.id, converted_contact_id=contact.id)
    assert tickets.match_customer("137 0000 1111", None) == (account, contact)


def test_ambiguous_or_unknown_stays_unmatched(defaults):
    make_contact(account=make_account(), mobile="13911112222")
    make_contact(account=make_account(), mobile="139-1111-2222")
    assert tickets.match_customer("13911112222", None) == (None, None)
    assert tickets.match_customer("13000000000", "nobody@example.com") == (None, None)


def test_open_ticket_with_matching_links_account_and_contact(defaults):
    account = make_account()
    contact = make_contact(account=account, mobile="13812340000")
    ticket, token = _open(requester=tickets.Requester(name="李雷", mobile="138 1234 0000"), match=True)
    assert (ticket.account_id, ticket.contact_id) == (account.id, contact.id)
    assert ticket.number.startswith("T") and ticket.status == TicketStatus.NEW
    assert token and ticket.access_token_hash != token and len(ticket.access_token_hash) == 64


def test_numbers_are_unique_and_sequential(defaults):
    first, _ = _open()
    second, _ = _open()
    prefix = first.number.rsplit("-", 1)[0]
    assert second.number == f"{prefix}-{int(first.number.rsplit('-', 1)[1]) + 1:04d}"


# -- assignment -------------------------------------------------------------------------------------
def _service_team(size):
    team = Department(name="二线客服")
    db.session.add(team)
    db.session.commit()
    return team, [make_user(role="Customer Service", department=team) for _ in range(size)]


def test_round_robin_within_the_service_team(defaults):
    team, people = _service_team(3)
    rule = db.session.scalar(select(TicketAssignmentRule).where(TicketAssignmentRule.category_id.is_(None)))
    rule.department_id = team.id
    db.session.commit()
    owners = [_open()[0].owner_id for _ in range(7)]
    ids = sorted(p.id for p in people)
    assert owners == [ids[0], ids[1], ids[2], ids[0], ids[1], ids[2], ids[0]]


def test_category_rule_sends_to_a_fixed_person(defaults, users):
    repair = db.session.scalar(select(TicketCategory).where(TicketCategory.name_en == "Repair"))
    _team, (technician,) = _service_team(1)
    db.session.add(TicketAssignmentRule(category_id=repair.id, assignee_id=technician.id))
    db.session.commit()
    assert _open(category_id=repair.id)[0].owner_id == technician.id
    assert _open()[0].owner_id == users["Customer Service"].id  # the general rule: whole service team


def test_round_robin_without_candidates_leaves_it_unassigned(app_ctx):
    assert tickets.round_robin([], None) is None
    assert tickets.round_robin([5, 3, 9], 9) == 3
    assert tickets.round_robin([5, 3, 9], 4) == 5


def test_reassign_only_to_service_users(defaults, users):
    ticket, _ = _open()
    service = users["Customer Service"]
    with pytest.raises(ValidationFailed):
        tickets.assign(ticket.id, service, users["Sales Rep"].id)
    assert tickets.assign(ticket.id, service, None).owner_id is None
    assert tickets.assign(ticket.id, service, service.id).owner_id == service.id


# -- the service-level clock -----------------------------------------------------------------------
def test_due_times_follow_the_priority_targets(defaults):
    ticket, _ = _open(priority="urgent")
    first, resolution = tickets.sla_targets("urgent")
    assert ticket.first_response_due_at - ticket.created_at == dt.timedelta(minutes=first)
    assert ticket.resolution_due_at - ticket.created_at == dt.timedelta(minutes=resolution)


def test_first_reply_counts_as_first_response_and_starts_the_work(defaults, users):
    ticket, _ = _open()
    tickets.reply(ticket.id, users["Customer Service"], "内部讨论", internal=True)
    assert ticket.first_responded_at is None and ticket.status == TicketStatus.NEW
    tickets.reply(ticket.id, users["Customer Service"], "您好，我们已收到")
    assert ticket.first_responded_at is not None and ticket.status == TicketStatus.IN_PROGRESS


def test_clock_pauses_while_waiting_for_the_customer(defaults, users):
    service = users["Customer Service"]
    ticket, _ = _open(priority="high")
    start = ticket.created_at
    due = ticket.resolution_due_at
    tickets.reply(ticket.id, service, "请提供序列号", then_status="waiting_customer", now=start + dt.timedelta(hours=1))
    assert ticket.status == TicketStatus.WAITING and ticket.paused_at is not None
    # long after the due time, still waiting: the clock is paused, so not overdue
    later = due + dt.timedelta(hours=30)
    assert not ticket.overdue(later)
    assert db.session.scalar(select(Ticket.id).where(tickets.overdue_clause(later))) is None
    # the customer answers 10 hours after the question: the due time moves by those 10 hours
    tickets.customer_reply(ticket, "序列号是 ABC123", now=start + dt.timedelta(hours=11))
    assert ticket.status == TicketStatus.IN_PROGRESS and ticket.paused_at is None
    assert ticket.resolution_due_at == due + dt.timedelta(hours=10)
    assert ticket.paused_seconds == 10 * 3600
    assert not ticket.overdue(due + dt.timedelta(hours=9))
    assert ticket.overdue(due + dt.timedelta(hours=10, minutes=1))
    assert db.session.scalar(select(Ticket.id).where(tickets.overdue_clause(due + dt.timedelta(hours=10, minutes=1)))) == ticket.id


def test_unanswered_ticket_is_overdue_after_the_first_response_target(defaults, users):
    ticket, _ = _open(priority="normal")
    moment = ticket.first_response_due_at + dt.timedelta(minutes=1)
    assert ticket.overdue(moment) and ticket.sla_state != "paused"
    tickets.reply(ticket.id, users["Customer Service"], "已处理中", now=ticket.created_at + dt.timedelta(minutes=5))
    assert not ticket.overdue(moment)  # answered in time; resolution is due later


def test_status_transitions(defaults, users):
    service = users["Customer Service"]
    ticket, _ = _open()
    tickets.change_status(ticket.id, service, "resolved")
    assert ticket.resolved_at is not None
    tickets.change_status(ticket.id, service, "closed")
    assert ticket.closed_at is not None and not ticket.is_open
    with pytest.raises(CrmError):
        tickets.change_status(ticket.id, service, "waiting_customer")
    with pytest.raises(CrmError):
        tickets.reply(ticket.id, service, "还在吗")
    with pytest.raises(CrmError):
        tickets.customer_reply(ticket, "还有问题")
    tickets.change_status(ticket.id, service, "in_progress")  # reopened: resolution owed again
    assert ticket.resolved_at is None and ticket.closed_at is None
    with pytest.raises(ValidationFailed):
        tickets.change_status(ticket.id, service, "nonsense")


def test_customer_reply_reopens_a_resolved_ticket(defaults, users):
    ticket, _ = _open()
    tickets.change_status(ticket.id, users["Customer Service"], "resolved")
    tickets.customer_reply(ticket, "问题又出现了")
    assert ticket.status == TicketStatus.IN_PROGRESS and ticket.resolved_at is None


def test_priority_change_recomputes_due_times(defaults, users, login):
    ticket, _ = _open(priority="low")
    ticket.priority = "urgent"
    tickets.on_edited(ticket)
    assert ticket.resolution_due_at - ticket.created_at == dt.timedelta(minutes=tickets.sla_targets("urgent")[1])


def test_empty_or_huge_messages_are_refused(defaults, users):
    ticket, _ = _open()
    with pytest.raises(ValidationFailed):
        tickets.reply(ticket.id, users["Customer Service"], "   ")
    with pytest.raises(ValidationFailed):
        tickets.customer_reply(ticket, "x" * 5001)
    with pytest.raises(ValidationFailed):
        tickets.open_ticket("", "无主题")


# -- the customer's private link --------------------------------------------------------------------
def test_link_opens_its_ticket_only_and_hides_internal_notes(defaults, users):
    ticket, token = _open()
    other, _ = _open()
    tickets.reply(ticket.id, users["Customer Service"], "内部：客户很重要", internal=True)
    tickets.reply(ticket.id, users["Customer Service"], "您好")
    assert tickets.ticket_for_token(token) == ticket
    seen = tickets.customer_messages(ticket)
    assert [m.kind for m in seen] == [MessageKind.STAFF] and seen[0].body == "您好"
    assert other != ticket


def test_wrong_expired_or_deleted_links_reveal_nothing(defaults, users):
    ticket, token = _open()
    assert tickets.ticket_for_token("x" + token[1:]) is None
    assert tickets.ticket_for_token("") is None and tickets.ticket_for_token("a" * 500) is None
    assert tickets.ticket_for_token(tickets._hash(token)) is None  # the stored hash is not a key
    assert tickets.ticket_for_token(token, now=ticket.access_expires_at + dt.timedelta(seconds=1)) is None
    new_token = tickets.renew_link(ticket.id, users["Customer Service"])
    assert tickets.ticket_for_token(token) is None and tickets.ticket_for_token(new_token) == ticket
    ticket.deleted_at = utcnow()
    db.session.commit()
    assert tickets.ticket_for_token(new_token) is None


def test_link_expiry_is_configurable_and_extended_by_replies(app, defaults, users):
    saved = app.config.get("CRM_TICKET_LINK_DAYS")
    app.config["CRM_TICKET_LINK_DAYS"] = 2
    try:
        ticket, _ = _open()
        assert ticket.access_expires_at - ticket.created_at == dt.timedelta(days=2)
        tickets.reply(ticket.id, users["Customer Service"], "答复", now=ticket.created_at + dt.timedelta(days=1))
        assert ticket.access_expires_at == ticket.created_at + dt.timedelta(days=3)
    finally:
        app.config["CRM_TICKET_LINK_DAYS"] = saved


# -- scope --------------------------------------------------------------------------------------------
def test_service_sees_every_ticket_and_a_rep_only_those_of_accounts_they_see(defaults, users):
    rep, colleague = users["Sales Rep"], make_user(role="Sales Rep")
    mine = _open(account=make_account(owner=rep))[0]
    pool = _open(account=make_account())[0]
    theirs = _open(account=make_account(owner=colleague))[0]
    via_contact = _open(contact=make_contact(owner=rep))[0]
    unmatched = _open()[0]
    every = {mine.id, pool.id, theirs.id, via_contact.id, unmatched.id}

    def seen(user):
        return set(db.session.scalars(visible(select(Ticket.id), Ticket, user)))

    assert seen(users["Customer Service"]) == every
    assert seen(users["Admin"]) == every
    assert seen(rep) == {mine.id, pool.id, via_contact.id}
    assert seen(users["Sales Manager"]) >= {mine.id, pool.id}
    assert theirs.id not in seen(users["Sales Manager"])  # the colleague is outside the department
    assert not is_visible(Ticket, theirs.id, rep)
    with pytest.raises(NotFound):
        tickets.reply(theirs.id, rep, "试图回复")
    account_ids = {t.account_id for t in tickets.tickets_of("account", mine.account_id, rep)}
    assert account_ids == {mine.account_id}
    assert tickets.tickets_of("account", theirs.account_id, rep) == []


def test_overdue_count_for_the_home_widget(defaults, users):
    ticket, _ = _open(priority="urgent")
    ticket.first_response_due_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    assert tickets.overdue_count(users["Customer Service"]) == 1
    assert tickets.overdue_count(users["Sales Rep"]) == 0  # unmatched: not one of the rep's customers


def test_home_widget_counts_overdue_tickets_in_scope(defaults, users):
    import datetime as _dt
    from zoneinfo import ZoneInfo

    from app.services.widgets import WIDGETS
    from app.services.widgets.base import Context

    late, _ = _open(priority="urgent")
    late.first_response_due_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    _open()
    widget = WIDGETS["tickets"]
    ctx = Context(user=users["Customer Service"], now=utcnow(), zone=ZoneInfo("Asia/Shanghai"), can=lambda v: True)
    data = widget.load(ctx, widget.clean_options({"scope": "team"}))
    assert (data["overdue"], data["open"]) == (1, 2) and data["items"] == [late]
    rep = Context(user=users["Sales Rep"], now=utcnow() + _dt.timedelta(seconds=1), zone=ctx.zone, can=lambda v: True)
    assert widget.load(rep, widget.clean_options({"scope": "team"}))["overdue"] == 0


def test_a_number_taken_at_the_same_moment_is_skipped(defaults, monkeypatch):
    first, _ = _open()
    real = tickets._next_number
    calls = []

    def stale(now, taken=None):  # as if another worker took this number between read and write
        calls.append(taken)
        return first.number if len(calls) == 1 else real(now, taken)

    monkeypatch.setattr(tickets, "_next_number", stale)
    second, _ = _open()
    db.session.expire_all()
    assert second.number != first.number and db.session.get(Ticket, second.id).number == second.number
    assert calls == [None, first.number]
