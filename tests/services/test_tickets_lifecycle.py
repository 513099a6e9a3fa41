"""Tickets around the CRM's common rules: handover, recycle bin, history, and customer timelines."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import History, Ticket, TicketMessage, TicketStatus
from app.services import recycle_bin, tickets
from app.services.errors import NotFound
from app.services.handover import handover, preview
from app.services.timeline import record_timeline
from tests.factories import make_account, make_contact, make_user


@pytest.fixture
def defaults(app_ctx):
    tickets.seed_ticket_defaults()


def _open(subject="打印机卡纸", **over) -> Ticket:
    return tickets.open_ticket(subject, "详细描述", **over)[0]


def _history(ticket: Ticket) -> list[History]:
    return list(db.session.scalars(select(History).where(History.entity == "ticket", History.record_id == ticket.id)
                                   .order_by(History.id)))


# -- handover -----------------------------------------------------------------------------------
def test_handover_moves_a_leaving_service_users_open_tickets_to_the_successor(defaults):
    leaving = make_user(role="Customer Service")
    successor = make_user(role="Customer Service")
    waiting, fresh, solved = _open("等客户回复"), _open("新工单"), _open("已解决")
    for ticket in (waiting, fresh, solved):
        ticket.owner_id = leaving.id
    db.session.commit()
    tickets.change_status(waiting.id, leaving, TicketStatus.WAITING)
    tickets.change_status(solved.id, leaving, TicketStatus.RESOLVED)
    assert preview(leaving.id)["ticket"] == 2

    report = handover(leaving.id, successor.id)

    assert report.moved["ticket"] == 2
    db.session.expire_all()
    assert db.session.get(Ticket, waiting.id).owner_id == successor.id
    assert db.session.get(Ticket, fresh.id).owner_id == successor.id
    assert db.session.get(Ticket, solved.id).owner_id == leaving.id  # closed work stays with its author
    moved = [h for h in _history(fresh) if h.action == "handover"]
    assert len(moved) == 1 and moved[0].changes["owner_id"] == [leaving.id, successor.id]
    assert successor.display_name in moved[0].note


def test_handover_to_nobody_puts_open_tickets_back_in_the_unassigned_queue(defaults):
    leaving = make_user(role="Customer Service")
    ticket = _open()
    ticket.owner_id = leaving.id
    db.session.commit()
    assert handover(leaving.id, None).moved["ticket"] == 1
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).owner_id is None


# -- recycle bin --------------------------------------------------------------------------------
def test_recycle_bin_deletes_and_restores_a_ticket_within_scope(defaults, users):
    rep, colleague, service = users["Sales Rep"], make_user(role="Sales Rep"), users["Customer Service"]
    mine = _open("我的客户的工单", account=make_account(owner=rep))
    theirs = _open("别人的客户的工单", account=make_account(owner=colleague))
    tickets.reply(mine.id, service, "收到")
    token = tickets.renew_link(mine.id, service)

    assert recycle_bin.soft_delete(db.session, [mine, theirs]) == 2
    assert tickets.ticket_for_token(token) is None  # a deleted ticket's link reveals nothing
    with pytest.raises(NotFound):
        tickets.get_visible(mine.id, service)

    in_bin = {(kind, r.id) for kind, r in recycle_bin.deleted_records(db.session, rep)}
    assert ("ticket", mine.id) in in_bin and ("ticket", theirs.id) not in in_bin
    assert {r.id for _k, r in recycle_bin.deleted_records(db.session, service, "ticket")} == {mine.id, theirs.id}
    with pytest.raises(NotFound):
        recycle_bin.restore(db.session, Ticket, theirs.id, rep)  # outside the rep's scope: 404

    recycle_bin.restore(db.session, Ticket, mine.id, rep)
    assert tickets.get_visible(mine.id, rep).deleted_at is None
    assert tickets.ticket_for_token(token).id == mine.id
    assert [h.action for h in _history(mine)][-2:] == ["delete", "restore"]


def test_destroying_a_ticket_erases_its_conversation(defaults, users):
    ticket = _open()
    tickets.reply(ticket.id, users["Customer Service"], "已处理")
    recycle_bin.soft_delete(db.session, [ticket])
    recycle_bin.destroy(db.session, Ticket, ticket.id, users["Admin"])
    assert db.session.scalar(select(TicketMessage.id).where(TicketMessage.ticket_id == ticket.id)) is None
    assert "ticket" in recycle_bin.purge(db.session, 30)


# -- history ------------------------------------------------------------------------------------
def test_history_records_a_tickets_creation_and_changes(defaults, users):
    service = users["Customer Service"]
    ticket = _open(priority="high")
    created = _history(ticket)
    assert [h.action for h in created] == ["create"]
    assert created[0].changes["subject"] == [None, "打印机卡纸"]
    assert created[0].changes["priority"] == [None, "high"]
    assert "access_token_hash" not in created[0].changes  # the private link's hash is a secret

    tickets.change_status(ticket.id, service, TicketStatus.IN_PROGRESS)
    other = make_user(role="Customer Service")
    tickets.assign(ticket.id, service, other.id)
    tickets.renew_link(ticket.id, service)

    rows = _history(ticket)
    assert rows[1].action == "update" and rows[1].changes["status"] == ["new", "in_progress"]
    assert rows[2].action == "owner_change" and rows[2].changes["owner_id"][1] == other.id
    assert all("access_token_hash" not in (h.changes or {}) for h in rows)


# -- timelines ----------------------------------------------------------------------------------
def test_a_ticket_shows_on_its_accounts_and_contacts_timeline(defaults, users):
    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    contact = make_contact(account=account, owner=rep)
    ticket = _open("投诉：送货延误", contact=contact)
    assert ticket.account_id == account.id

    for entity, pk in (("account", account.id), ("contact", contact.id)):
        entries = [e for e in record_timeline(entity, pk, rep) if e.kind == "ticket"]
        assert [e.record.id for e in entries] == [ticket.id]
    other = make_account(owner=rep)
    assert not [e for e in record_timeline("account", other.id, rep) if e.kind == "ticket"]


def test_timeline_tickets_stay_within_scope(defaults, users):
    colleague = make_user(role="Sales Rep")
    account = make_account(owner=colleague)
    _open(account=account)
    with pytest.raises(NotFound):
        record_timeline("account", account.id, users["Sales Rep"])
    service = users["Customer Service"]  # sees every account and every ticket
    assert [e.kind for e in record_timeline("account", account.id, service)].count("ticket") == 1
