"""Merge: any number of records into one, children moved, values kept in history, all or nothing."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Account, Activity, Contact, History, Lead, Note, Opportunity
from app.models.actor import acting_as
from app.services import merge as merge_module
from app.services.concurrency import StaleVersion
from app.services.errors import NotFound, ValidationFailed
from app.services.merge import merge_records
from tests.factories import (
    make_account,
    make_activity,
    make_contact,
    make_lead,
    make_note,
    make_opportunity,
    make_tag,
    make_user,
)

EVERYTHING = {"include_deleted": True}


def _get(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk, execution_options=EVERYTHING)


def test_three_accounts_become_one_with_their_children(users):
    director = users["Sales Director"]
    survivor = make_account(owner=director, name="明远科技", phone=None, website=None)
    second = make_account(owner=director, name="明远科技有限公司", phone="021-62345678", website="www.my.cn")
    third = make_account(owner=users["Sales Rep"], name="上海明远科技", phone="021-99999999")
    contact = make_contact(account=second, owner=director)
    deal = make_opportunity(account=third, owner=director)
    activity = make_activity(owner=director, account_id=second.id)
    note = make_note(author=director, account_id=third.id)
    lead = make_lead(owner=director, converted_account_id=third.id, referrer_account_id=second.id)
    tag = make_tag()
    with acting_as(director.id):
        acc = db.session.get(Account, third.id)
        acc.tags.append(tag)
        db.session.commit()

    with acting_as(director.id, "ui"):
        result = merge_records("account", survivor.id, [second.id, third.id], director,
                               choices={"name": second.id, "phone": third.id})

    assert result.merged_ids == [second.id, third.id]
    kept = _get(Account, survivor.id)
    assert kept.deleted_at is None
    assert kept.name == "明远科技有限公司"  # chosen
    assert kept.phone == "021-99999999"  # chosen
    assert kept.website == "www.my.cn"  # empty on the survivor: the first value another had
    assert [t.id for t in kept.tags] == [tag.id]
    for model, pk in ((Contact, contact.id), (Opportunity, deal.id), (Activity, activity.id), (Note, note.id)):
        assert _get(model, pk).account_id == survivor.id, model.__name__
    moved_lead = _get(Lead, lead.id)
    assert moved_lead.converted_account_id == survivor.id and moved_lead.referrer_account_id == survivor.id
    for pk in (second.id, third.id):
        assert _get(Account, pk).deleted_at is not None
    assert db.session.scalars(select(Account)).all() == [kept]  # the merged-away are hidden

    entries = db.session.scalars(select(History).where(
        History.entity == "account", History.record_id == survivor.id, History.action == "merge")).all()
    # one entry per merged-away record (its note names only that record) keeps its values
    third_values = [e.changes for e in entries if f"#{third.id}" in e.note and f"#{second.id}" not in e.note][0]
    assert third_values["name"] == ["上海明远科技", "明远科技有限公司"]  # its name, next to the kept one
    assert "phone" not in third_values  # its phone survived
    second_values = [e.changes for e in entries if f"#{second.id}" in e.note and f"#{third.id}" not in e.note][0]
    assert second_values["phone"] == ["021-62345678", "021-99999999"]  # the dropped phone is on record
    assert all(e.door == "ui" and e.actor_id == director.id for e in entries)
    gone = db.session.scalars(select(History).where(History.entity == "account",
                                                    History.record_id == second.id)).all()
    assert any(e.action == "merge" and f"#{survivor.id}" in e.note for e in gone)


def test_leads_merge_moves_notes_activities_and_conversion_links(users):
    rep = users["Sales Rep"]
    survivor = make_lead(owner=rep, email=None)
    converted = make_lead(owner=rep, email="a@b.cn")
    account = make_account(owner=rep)
    deal = make_opportunity(account=account, owner=rep, source_lead_id=converted.id)
    with acting_as(rep.id):
        lead = db.session.get(Lead, converted.id)
        lead.status, lead.converted_account_id, lead.converted_opportunity_id = "converted", account.id, deal.id
        from app.models import utcnow
        lead.converted_at = utcnow()
        db.session.commit()
    note = make_note(author=rep, lead_id=converted.id)
    activity = make_activity(owner=rep, lead_id=converted.id)
    extra = make_lead(owner=None)

    merge_records("lead", survivor.id, [converted.id, extra.id], rep)

    kept = _get(Lead, survivor.id)
    assert kept.email == "a@b.cn"
    assert kept.status == "converted" and kept.converted_account_id == account.id
    assert kept.converted_opportunity_id == deal.id
    assert _get(Opportunity, deal.id).source_lead_id == survivor.id
    assert _get(Note, note.id).lead_id == survivor.id and _get(Activity, activity.id).lead_id == survivor.id


def test_contacts_merge_moves_opportunity_contact(users):
    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    a, b = make_contact(account=account, owner=rep), make_contact(account=account, owner=rep)
    deal = make_opportunity(account=account, owner=rep, contact_id=b.id)
    merge_records("contact", a.id, [b.id], rep)
    assert _get(Opportunity, deal.id).contact_id == a.id


def test_a_failure_midway_changes_nothing(users, monkeypatch):
    director = users["Sales Director"]
    survivor = make_account(owner=director, name="甲", phone=None)
    other = make_account(owner=director, name="乙", phone="010-88886666")
    third = make_account(owner=director, name="丙")
    contact = make_contact(account=other, owner=director)
    activity = make_activity(owner=director, account_id=third.id)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    # children have been moved and values picked when the recycle bin step fails
    monkeypatch.setattr(merge_module, "soft_delete", broken)
    with pytest.raises(RuntimeError):
        merge_records("account", survivor.id, [other.id, third.id], director, choices={"name": other.id})

    kept = _get(Account, survivor.id)
    assert (kept.name, kept.phone, kept.version) == ("甲", None, 1)
    assert _get(Contact, contact.id).account_id == other.id
    assert _get(Activity, activity.id).account_id == third.id
    assert _get(Account, other.id).deleted_at is None and _get(Account, third.id).deleted_at is None
    assert not db.session.scalars(select(History).where(History.action == "merge")).all()


def test_records_outside_the_scope_are_not_found_and_nothing_changes(users):
    rep = users["Sales Rep"]
    colleague = make_user("colleague_merge", "Sales Rep")
    mine = make_lead(owner=rep)
    theirs = make_lead(owner=colleague)
    with pytest.raises(NotFound):
        merge_records("lead", mine.id, [theirs.id], rep)
    assert _get(Lead, theirs.id).deleted_at is None
    with pytest.raises(NotFound):
        merge_records("lead", theirs.id, [mine.id], rep)
    assert _get(Lead, mine.id).deleted_at is None


def test_invalid_requests_are_refused(users):
    rep = users["Sales Rep"]
    a, b = make_lead(owner=rep), make_lead(owner=rep)
    with pytest.raises(ValidationFailed):
        merge_records("lead", a.id, [a.id], rep)
    with pytest.raises(ValidationFailed):
        merge_records("opportunity", a.id, [b.id], rep)
    with pytest.raises(ValidationFailed):
        merge_records("lead", a.id, [b.id], rep, choices={"id": b.id})
    with pytest.raises(ValidationFailed):
        merge_records("lead", a.id, [b.id], rep, choices={"mobile": 999999})
    assert _get(Lead, b.id).deleted_at is None


def test_a_record_changed_since_the_user_looked_is_refused(users):
    rep = users["Sales Rep"]
    a, b = make_lead(owner=rep), make_lead(owner=rep)
    with acting_as(rep.id):
        db.session.get(Lead, b.id).title = "经理"
        db.session.commit()
    with pytest.raises(StaleVersion):
        merge_records("lead", a.id, [b.id], rep, versions={a.id: 1, b.id: 1})
    assert _get(Lead, b.id).deleted_at is None
    merge_records("lead", a.id, [b.id], rep, versions={a.id: 1, b.id: 2})
    assert _get(Lead, b.id).deleted_at is not None
