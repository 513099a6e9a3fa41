"""Recycle bin: children go and come back with their parent; scope holds; purge and destroy."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, Activity, Contact, History, Note, Opportunity
from app.models.actor import acting_as
from app.services import recycle_bin
from app.services.errors import NotFound
from app.services.search import find_candidates
from tests.factories import make_account, make_activity, make_contact, make_note, make_opportunity

DELETED = {"include_deleted": True}


def _count(model, **opts):
    return db.session.scalar(select(func.count(model.id)).execution_options(**opts))


@pytest.fixture
def account_tree(app_ctx, users):
    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    contact = make_contact(account=account, owner=rep)
    opp = make_opportunity(account=account, owner=rep)
    make_activity(owner=rep, contact_id=contact.id)
    make_activity(owner=rep, opportunity_id=opp.id)
    make_note(author=rep, account_id=account.id)
    return account


def test_deleting_an_account_hides_it_and_its_children_everywhere(account_tree, users):
    rep = users["Sales Rep"]
    with acting_as(rep.id):
        recycle_bin.soft_delete(db.session, [account_tree])
    for model in (Account, Contact, Opportunity, Activity, Note):
        assert _count(model) == 0, model
        assert _count(model, **DELETED) > 0
    assert find_candidates("account", "", rep, 20) == []
    binned = recycle_bin.deleted_records(db.session, rep)
    assert {kind for kind, _ in binned} == {"account", "contact", "opportunity", "activity", "note"}
    assert db.session.scalar(select(func.count(History.id)).where(History.action == "delete")) == 5


def test_restore_brings_back_exactly_what_was_deleted_with_it(account_tree, users):
    rep = users["Sales Rep"]
    earlier = make_contact(account=account_tree, owner=rep)
    recycle_bin.soft_delete(db.session, [earlier])  # deleted on its own, before the account
    recycle_bin.soft_delete(db.session, [account_tree])
    recycle_bin.restore(db.session, Account, account_tree.id, rep)
    assert _count(Contact) == 1 and _count(Opportunity) == 1 and _count(Activity) == 2
    db.session.refresh(earlier)
    assert earlier.deleted_at is not None  # deleted on its own: still in the bin


def test_a_contact_cannot_come_back_without_its_account(account_tree, users):
    rep = users["Sales Rep"]
    contact = db.session.scalar(select(Contact))
    recycle_bin.soft_delete(db.session, [account_tree])
    with pytest.raises(recycle_bin.ParentDeleted):
        recycle_bin.restore(db.session, Contact, contact.id, rep)


def test_the_bin_respects_data_scope(account_tree, users):
    recycle_bin.soft_delete(db.session, [account_tree])
    other_rep_view = recycle_bin.deleted_records(db.session, users["Customer Service"], "opportunity")
    assert other_rep_view == []
    with pytest.raises(NotFound):
        recycle_bin.restore(db.session, Opportunity, db.session.scalar(
            select(Opportunity.id).execution_options(**DELETED)), users["Customer Service"])


def test_purge_removes_only_what_is_older_than_the_retention(account_tree, users):
    recycle_bin.soft_delete(db.session, [account_tree])
    fresh = make_account(owner=users["Sales Rep"])
    recycle_bin.soft_delete(db.session, [fresh])
    stamp = account_tree.deleted_at
    old = stamp - dt.timedelta(days=61)
    for model in (Account, Contact, Opportunity, Activity, Note):
        for row in db.session.scalars(select(model).where(model.deleted_at == stamp)
                                      .execution_options(**DELETED)):
            row.deleted_at = old
    db.session.commit()
    counts = recycle_bin.purge(db.session, 60)
    assert counts == {"note": 1, "activity": 2, "opportunity": 1, "contact": 1, "lead": 0, "account": 1,
                      "ticket": 0}
    assert _count(Activity, **DELETED) == 0
    assert _count(Account, **DELETED) == 1  # the fresh one stays


def test_screen_restore_and_destroy_need_their_permissions(account_tree, users, login):
    recycle_bin.soft_delete(db.session, [account_tree])
    rep = login("Sales Rep")
    page = rep.get("/recycle-bin/").get_data(as_text=True)
    assert account_tree.name in page and "Delete permanently" not in page
    token = rep.csrf("/lead/add")
    denied = rep.post(f"/recycle-bin/account/{account_tree.id}/destroy", data={"csrf_token": token})
    assert denied.status_code in (302, 403) and _count(Account, **DELETED) == 1
    rep.post(f"/recycle-bin/account/{account_tree.id}/restore", data={"csrf_token": token})
    assert db.session.get(Account, account_tree.id) is not None
    db.session.expire_all()  # the screen changed it in its own session
    recycle_bin.soft_delete(db.session, [db.session.get(Account, account_tree.id)])
    admin = login("Admin")
    admin.post(f"/recycle-bin/account/{account_tree.id}/destroy",
               data={"csrf_token": admin.csrf("/lead/add")})
    assert _count(Account, **DELETED) == 0 and _count(Contact, **DELETED) == 0
