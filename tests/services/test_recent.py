"""Recently viewed 最近访问: one row per record and user, newest first, the last 20 kept; records the
user can no longer see (deleted, moved out of their scope) drop out."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import RecentView
from app.services.recent import KEEP, recent, record_view
from app.services.recycle_bin import soft_delete
from tests.factories import make_account, make_contact, make_lead, make_opportunity, make_user


def test_views_are_upserted_newest_first(app_ctx, users):
    rep = users["Sales Rep"]
    lead, account = make_lead(owner=rep, person_name="王五"), make_account(owner=rep, name="甲公司")
    contact, opportunity = make_contact(account=account, owner=rep), make_opportunity(account=account, owner=rep)
    for entity, record in (("lead", lead), ("account", account), ("contact", contact),
                           ("opportunity", opportunity), ("lead", lead)):
        record_view(rep, entity, record.id)
    got = [(r.entity, r.record_id) for r in recent(rep)]
    assert got == [("lead", lead.id), ("opportunity", opportunity.id), ("contact", contact.id),
                   ("account", account.id)]
    assert recent(rep)[3].title == "甲公司" and recent(rep)[0].view == "LeadView"
    assert db.session.scalar(select(func.count(RecentView.id))) == 4


def test_only_the_last_twenty_are_kept_per_user(app_ctx, users):
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    leads = [make_lead(owner=rep) for _ in range(KEEP + 5)]
    record_view(manager, "lead", leads[0].id)
    for lead in leads:
        record_view(rep, "lead", lead.id)
    assert [r.record_id for r in recent(rep)] == [lead.id for lead in reversed(leads)][:KEEP]
    assert db.session.scalar(select(func.count(RecentView.id)).where(RecentView.user_id == rep.id)) == KEEP
    assert [r.record_id for r in recent(manager)] == [leads[0].id]  # each user has their own


def test_deleted_and_out_of_scope_records_drop_out(app_ctx, users):
    rep = users["Sales Rep"]
    kept, deleted, moved = (make_account(owner=rep) for _ in range(3))
    for account in (kept, deleted, moved):
        record_view(rep, "account", account.id)
    soft_delete(db.session, [deleted])
    moved.owner_id = make_user("someone_else", "Sales Rep").id
    db.session.commit()
    assert [r.record_id for r in recent(rep)] == [kept.id]


def test_unknown_entities_and_anonymous_users_are_ignored(app_ctx, users):
    record_view(None, "lead", 1)
    record_view(users["Sales Rep"], "ticket", 1)
    assert db.session.scalar(select(func.count(RecentView.id))) == 0
