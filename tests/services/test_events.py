"""Domain events come from history rows — ORM or set-based alike — once per event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select, update

from app.extensions import db
from app.models import (
    Account,
    CrmEvent,
    EventCursor,
    EventKind,
    FollowUp,
    History,
    HistoryAction,
    Lead,
    Opportunity,
    PointEntry,
    WebhookDelivery,
    utcnow,
)
from app.models.actor import acting_as
from app.services import events, rewards, webhooks
from app.services.history import label_change
from tests.factories import make_account, make_activity, make_lead, make_opportunity, stage

ALL_KINDS = [str(k) for k in EventKind]


@pytest.fixture
def hook(app_ctx):
    """An endpoint subscribed to every event, so every event is recorded."""
    return webhooks.create_endpoint("ERP", "http://127.0.0.1:9/hook", ALL_KINDS)


def kinds():
    return sorted(db.session.scalars(select(CrmEvent.kind)))


def test_lead_created_and_converted_once(hook, users):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep)
    assert events.process_new_history() == 1
    with acting_as(rep.id, "ui"):
        lead.status = "converted"
        label_change(lead, HistoryAction.CONVERT)
        db.session.commit()
        lead.rating = "hot"  # a later change is no conversion
        db.session.commit()
    assert events.process_new_history() == 1
    assert kinds() == ["lead.converted", "lead.created"]
    converted = db.session.scalar(select(CrmEvent).where(CrmEvent.kind == "lead.converted"))
    assert (converted.user_id, converted.actor_id, converted.door) == (rep.id, rep.id, "ui")
    # reading everything again (a retry, a second worker) records nothing new
    db.session.execute(update(EventCursor).values(last_id=0))
    db.session.commit()
    assert events.process_new_history() == 0
    assert db.session.scalar(select(func.count(WebhookDelivery.id))) == 2


def test_opportunity_stage_won_and_lost(hook, users):
    rep = users["Sales Rep"]
    deal = make_opportunity(owner=rep, amount=Decimal("25000"))
    events.process_new_history()
    deal.stage_id = stage(order=1).id
    db.session.commit()
    deal.stage_id = stage(won=True).id
    db.session.commit()
    events.process_new_history()
    assert kinds() == ["opportunity.stage_changed", "opportunity.stage_changed", "opportunity.won"]
    # reopened and won again: a stage change, but the win is not counted twice
    deal.stage_id = stage().id
    db.session.commit()
    deal.stage_id = stage(won=True).id
    db.session.commit()
    events.process_new_history()
    assert kinds().count("opportunity.won") == 1
    other = make_opportunity(owner=rep, stage_id=stage(lost=True).id)
    events.process_new_history()
    lost = db.session.scalar(select(CrmEvent).where(CrmEvent.kind == "opportunity.lost"))
    assert lost.record_id == other.id


def test_account_owner_changes_and_pool(hook, users):
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    account = make_account(owner=rep)
    events.process_new_history()
    account.owner_id = manager.id
    db.session.commit()
    account.owner_id = None
    label_change(account, HistoryAction.RELEASE)
    db.session.commit()
    events.process_new_history()
    assert kinds() == ["account.owner_changed", "account.returned_to_pool"]


def test_set_based_history_rows_give_the_same_events(hook, users):
    """A bulk door writing History with Core (no ORM objects) is seen like any other."""
    rep = users["Sales Rep"]
    lead_ids = [make_lead(owner=rep).id for _ in range(3)]
    account = make_account(owner=rep)
    events.process_new_history()
    before = len(kinds())
    db.session.execute(insert(History.__table__), [
        {"entity": "lead", "record_id": pk, "action": "convert", "door": "bulk", "actor_id": rep.id,
         "at": utcnow(), "changes": {"status": ["new", "converted"]}, "note": None} for pk in lead_ids
    ] + [{"entity": "account", "record_id": account.id, "action": "release", "door": "bulk",
          "actor_id": rep.id, "at": utcnow(), "changes": {"owner_id": [rep.id, None]}, "note": None}])
    db.session.commit()
    assert events.process_new_history() == 4
    assert len(kinds()) == before + 4
    doors = set(db.session.scalars(select(CrmEvent.door).where(CrmEvent.kind == "lead.converted")))
    assert doors == {"bulk"}


def test_imported_first_history_row_is_a_creation(hook, users):
    lead = make_lead(owner=users["Sales Rep"])
    db.session.execute(History.__table__.delete())  # as if the import wrote the only row
    db.session.execute(insert(History.__table__), [
        {"entity": "lead", "record_id": lead.id, "action": "import", "door": "import", "actor_id": None,
         "at": utcnow(), "changes": {}, "note": None},
        {"entity": "lead", "record_id": lead.id, "action": "import", "door": "import", "actor_id": None,
         "at": utcnow(), "changes": {"rating": [None, "hot"]}, "note": None},
    ])
    db.session.commit()
    events.process_new_history()
    assert kinds() == ["lead.created"]


def test_follow_ups_and_overdue_activities(app_ctx, users):
    rewards.restore_default_rules()
    rep = users["Sales Rep"]
    activity = make_activity(owner=rep, due_at=utcnow() - dt.timedelta(hours=1))
    with acting_as(rep.id, "ui"):
        activity.done_at, activity.outcome = utcnow(), "谈妥了"
        db.session.commit()
    late = make_activity(owner=rep, due_at=utcnow() - dt.timedelta(minutes=5))
    events.process_new_history()
    assert db.session.scalar(select(func.count(FollowUp.id))) == 1
    entries = {e.event.kind: e.points for e in db.session.scalars(select(PointEntry))}
    assert entries == {"followup.logged": 1, "activity.overdue": -2}
    overdue = db.session.scalar(select(CrmEvent).where(CrmEvent.kind == "activity.overdue"))
    assert overdue.record_id == late.id  # the first one was done before anyone looked
    events.process_new_history()
    assert rewards.total(rep.id) == -1


def test_nothing_is_stored_without_a_consumer(app_ctx, users):
    make_lead(owner=users["Sales Rep"])
    assert events.process_new_history() == 0
    assert kinds() == []
    cursor = db.session.get(EventCursor, "history")
    assert cursor.last_id == db.session.scalar(select(func.max(History.id)))


def test_cursor_waits_at_a_fresh_gap_and_skips_an_old_one(hook, users):
    rep = users["Sales Rep"]
    first = make_lead(owner=rep)
    events.process_new_history()
    cursor_at = db.session.get(EventCursor, "history").last_id
    # id cursor+1 is missing (a transaction still in flight on PostgreSQL); cursor+2 is committed
    db.session.execute(insert(History.__table__), [{
        "id": cursor_at + 2, "entity": "lead", "record_id": first.id, "action": "convert", "door": "ui",
        "actor_id": rep.id, "at": utcnow(), "changes": {}, "note": None}])
    db.session.commit()
    assert events.process_new_history() == 1  # processed already …
    assert db.session.get(EventCursor, "history").last_id == cursor_at  # … but the cursor waits
    second = make_lead(owner=rep)  # fills nothing: SQLite gives it the next id after the gap
    assert events.process_new_history() == 1
    assert db.session.scalar(select(func.count(CrmEvent.id)).where(CrmEvent.record_id == second.id)) == 1
    later = utcnow() + events.GAP_GRACE + dt.timedelta(minutes=1)
    events.process_new_history(now=later)
    assert db.session.get(EventCursor, "history").last_id == db.session.scalar(select(func.max(History.id)))
    assert kinds().count("lead.converted") == 1


def test_webhook_payload_has_public_fields_only(hook, users):
    lead = make_lead(owner=users["Sales Rep"], email="Zhang@Example.com")
    events.process_new_history()
    import json

    body = json.loads(db.session.scalar(select(CrmEvent.payload)))
    assert body["event"] == "lead.created" and body["id"] == f"lead.created:{lead.id}"
    assert body["record"]["email"] == "Zhang@Example.com"
    assert body["record"]["owner_username"] == "sales_rep"
    assert not {"email_key", "mobile_key", "version", "deleted_by_id"} & set(body["record"])


def test_deleted_records_still_describe_themselves(hook, users):
    lead = make_lead(owner=users["Sales Rep"])
    db.session.execute(update(Lead).where(Lead.id == lead.id).values(deleted_at=utcnow()))
    db.session.commit()
    events.process_new_history()
    assert kinds() == ["lead.created"]
    assert db.session.scalar(select(func.count(Account.id))) == 0
    assert db.session.scalar(select(func.count(Opportunity.id))) == 0
