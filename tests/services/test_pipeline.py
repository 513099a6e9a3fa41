"""Pipeline board 销售漏斗看板: totals in scope, filters, lazy pages, and the rules of a move."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LostReason, Opportunity
from app.models.actor import acting_as
from app.models.history import History
from app.services import pipeline
from app.services.concurrency import StaleVersion
from app.services.errors import NotFound, ValidationFailed
from tests.factories import make_opportunity, make_user, stage


def _column(columns, stage_id):
    return next(col for col in columns if col.stage.id == stage_id)


def test_columns_count_and_sum_per_stage_within_the_users_scope(users):
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    other = make_user(department=None)
    first, second = stage(order=0), stage(order=1)
    make_opportunity(owner=rep, amount=Decimal("100"), stage_id=first.id)
    make_opportunity(owner=rep, amount=Decimal("250.50"), stage_id=first.id)
    make_opportunity(owner=rep, amount=Decimal("7"), stage_id=first.id, currency="USD")
    make_opportunity(owner=rep, amount=Decimal("40"), stage_id=second.id)
    make_opportunity(owner=other, amount=Decimal("999"), stage_id=first.id)  # not the rep's

    mine = pipeline.columns(rep)
    assert [c.stage.id for c in mine][:2] == [first.id, second.id]
    assert _column(mine, first.id).count == 3
    assert _column(mine, first.id).amounts == [("CNY", Decimal("350.50")), ("USD", Decimal("7"))]
    assert _column(mine, second.id).count == 1
    assert _column(mine, stage(won=True).id).count == 0

    admin = pipeline.columns(users["Admin"])
    assert _column(admin, first.id).count == 4
    assert _column(admin, first.id).amounts[0] == ("CNY", Decimal("1349.50"))
    # the manager's department tree holds the rep, not the department-less user
    assert _column(pipeline.columns(manager), first.id).count == 3


def test_filters_by_owner_department_and_close_month(users):
    rep, director = users["Sales Rep"], users["Sales Director"]
    colleague = make_user(department=rep.department)
    outsider = make_user(department=None)
    first = stage(order=0)
    make_opportunity(owner=rep, stage_id=first.id, expected_close_date=dt.date(2026, 12, 31))
    make_opportunity(owner=rep, stage_id=first.id, expected_close_date=dt.date(2027, 1, 1))
    make_opportunity(owner=colleague, stage_id=first.id, expected_close_date=dt.date(2026, 12, 1))
    make_opportunity(owner=outsider, stage_id=first.id, expected_close_date=dt.date(2026, 12, 15))

    def count(**args):
        return _column(pipeline.columns(director, pipeline.Filters.parse(args)), first.id).count

    assert count() == 4
    assert count(owner=str(rep.id)) == 2
    assert count(department=str(rep.department_id)) == 3
    assert count(department=str(rep.department.parent_id)) == 3  # sub-departments count too
    assert count(month="2026-12") == 3
    assert count(month="2026-12", owner=str(rep.id)) == 1
    assert count(month="nonsense", owner="x") == 4  # nonsense is ignored, not an error
    assert count(department="999999") == 0


def test_cards_come_a_page_at_a_time_soonest_close_first_and_only_in_scope(users):
    rep = users["Sales Rep"]
    first = stage(order=0)
    today = dt.date.today()
    made = [
        make_opportunity(owner=rep, stage_id=first.id, expected_close_date=today + dt.timedelta(days=n))
        for n in (5, 1, 3)
    ]
    undated = make_opportunity(owner=rep, stage_id=first.id, expected_close_date=None)
    hidden = make_opportunity(owner=make_user(), stage_id=first.id)

    page = pipeline.cards(rep, first.id, limit=2)  # undated first: they want a date
    assert [c["id"] for c in page] == [undated.id, made[1].id]
    rest = pipeline.cards(rep, first.id, offset=2, limit=10)
    assert [c["id"] for c in rest] == [made[2].id, made[0].id]
    assert hidden.id not in {c["id"] for c in pipeline.cards(rep, first.id, limit=100)}
    card = page[1]
    assert card["owner"] == rep.display_name and card["account"] and card["version"] == 1
    with pytest.raises(NotFound):
        pipeline.cards(rep, 999999)


def test_move_to_the_next_stage_is_saved_and_recorded_in_history(users):
    rep = users["Sales Rep"]
    first, second = stage(order=0), stage(order=1)
    opportunity = make_opportunity(owner=rep, stage_id=first.id)
    with acting_as(rep.id, "ui"):
        moved = pipeline.move(rep, opportunity.id, second.id, expected_version=1)
    assert moved.stage_id == second.id and moved.version == 2 and moved.closed_at is None
    db.session.expire_all()
    assert db.session.get(Opportunity, opportunity.id).stage_id == second.id
    entry = db.session.scalars(
        select(History)
        .where(History.entity == "opportunity", History.record_id == opportunity.id)
        .order_by(History.id.desc())
    ).first()
    assert entry.changes["stage_id"] == [first.id, second.id]
    assert entry.actor_id == rep.id and entry.door == "ui"


def test_won_needs_the_amount_and_closes_the_opportunity(users):
    rep = users["Sales Rep"]
    opportunity = make_opportunity(owner=rep, stage_id=stage(order=2).id, amount=Decimal("5000"))
    won = stage(won=True)
    for bad in (None, "", "abc", "-1"):
        with pytest.raises(ValidationFailed):
            pipeline.move(rep, opportunity.id, won.id, 1, amount=bad)
        db.session.rollback()
    assert db.session.get(Opportunity, opportunity.id).stage_id == stage(order=2).id
    moved = pipeline.move(rep, opportunity.id, won.id, 1, amount="6,200.5")
    assert moved.amount == Decimal("6200.50") and moved.closed_at is not None
    # reopening clears the closing stamp (the opportunity's own rule)
    reopened = pipeline.move(rep, opportunity.id, stage(order=0).id, moved.version)
    assert reopened.closed_at is None


def test_lost_needs_a_lost_reason(users):
    rep = users["Sales Rep"]
    opportunity = make_opportunity(owner=rep, stage_id=stage(order=1).id)
    lost = stage(lost=True)
    for bad in (None, "", "999999", "x"):
        with pytest.raises(ValidationFailed):
            pipeline.move(rep, opportunity.id, lost.id, 1, lost_reason_id=bad)
        db.session.rollback()
    assert db.session.get(Opportunity, opportunity.id).lost_reason_id is None
    reason = db.session.scalars(select(LostReason)).first()
    moved = pipeline.move(rep, opportunity.id, lost.id, 1, lost_reason_id=str(reason.id))
    assert moved.stage_id == lost.id and moved.lost_reason_id == reason.id and moved.closed_at is not None


def test_a_stale_version_or_a_card_out_of_scope_is_refused(users):
    rep = users["Sales Rep"]
    opportunity = make_opportunity(owner=rep, stage_id=stage(order=0).id)
    pipeline.move(rep, opportunity.id, stage(order=1).id, 1)
    with pytest.raises(StaleVersion):  # the board still showed version 1
        pipeline.move(rep, opportunity.id, stage(order=2).id, 1)
    db.session.rollback()
    assert db.session.get(Opportunity, opportunity.id).stage_id == stage(order=1).id

    theirs = make_opportunity(owner=make_user(), stage_id=stage(order=0).id)
    with pytest.raises(NotFound):
        pipeline.move(rep, theirs.id, stage(order=1).id, 1)
    db.session.rollback()
    assert db.session.get(Opportunity, theirs.id).stage_id == stage(order=0).id
    with pytest.raises(ValidationFailed):
        pipeline.move(rep, opportunity.id, 999999, 2)


def test_won_and_lost_columns_hold_the_last_thirty_days(users):
    rep = users["Sales Rep"]
    won = stage(won=True)
    now = dt.datetime(2026, 11, 25, 12, 0)
    recent = make_opportunity(
        owner=rep, stage_id=won.id, amount=Decimal("300"), closed_at=now - dt.timedelta(days=2)
    )
    older = make_opportunity(
        owner=rep, stage_id=won.id, amount=Decimal("200"), closed_at=now - dt.timedelta(days=10)
    )
    make_opportunity(owner=rep, stage_id=won.id, amount=Decimal("100"), closed_at=now - dt.timedelta(days=31))
    col = _column(pipeline.columns(rep, now=now), won.id)
    assert col.count == 2 and col.amounts == [("CNY", Decimal("500"))]
    assert [c["id"] for c in pipeline.cards(rep, won.id, now=now)] == [recent.id, older.id]
