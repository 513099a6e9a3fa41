"""Account.last_won_at follows its won opportunities through every door (triggers of migration 0024)."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import insert, select, update

from app.extensions import db
from app.models import Account, Opportunity, PoolSettings, Stage, utcnow
from app.models.actor import acting_as
from app.services import bulk, last_won, pipeline, recycle_bin
from app.services.bulk import Selection
from app.services.merge import merge_records
from app.services.reclaim import due_clause, reclaim, warning_clause
from tests.factories import make_account, make_opportunity, stage

DAY = dt.timedelta(days=1)


def _last_won(account) -> dt.datetime | None:
    """What the database holds (the session's copy may predate a trigger's update)."""
    return db.session.execute(
        select(Account.last_won_at).where(Account.id == account.id).execution_options(include_deleted=True)
    ).scalar_one()


def _same(value, expected) -> bool:
    # PostgreSQL keeps microseconds, SQLite too; compare to the second to stay independent of either
    if value is None or expected is None:
        return value is expected
    return abs(value - expected) < dt.timedelta(seconds=1)


def _assert(account, expected) -> None:
    assert _same(_last_won(account), expected), (_last_won(account), expected)
    assert last_won.check() == []


def _fresh(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk, execution_options={"include_deleted": True})


def test_won_reopened_and_lost_through_the_pipeline(users):
    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    deal = make_opportunity(account=account, owner=rep)
    _assert(account, None)

    won = pipeline.move(rep, deal.id, stage(won=True).id, deal.version, amount="5000")
    closed = won.closed_at
    assert closed is not None
    _assert(account, closed)

    reopened = pipeline.move(rep, deal.id, stage().id, won.version)
    _assert(account, None)

    older = make_opportunity(account=account, owner=rep, stage_id=stage(won=True).id,
                             closed_at=utcnow() - 40 * DAY)
    _assert(account, older.closed_at)
    pipeline.move(rep, deal.id, stage(won=True).id, reopened.version, amount="5000")
    _assert(account, _fresh(Opportunity, deal.id).closed_at)  # the newer of the two
    lost_reason = pipeline.lost_reasons()[0]
    pipeline.move(rep, deal.id, stage(lost=True).id, _fresh(Opportunity, deal.id).version,
                  lost_reason_id=lost_reason.id)
    _assert(account, older.closed_at)  # back to the remaining won deal


def test_a_lost_or_open_opportunity_never_counts(users):
    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    make_opportunity(account=account, owner=rep, stage_id=stage(lost=True).id, closed_at=utcnow())
    make_opportunity(account=account, owner=rep)
    _assert(account, None)


def test_close_time_edited_on_a_won_opportunity(users):
    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    deal = make_opportunity(account=account, owner=rep, stage_id=stage(won=True).id, closed_at=utcnow() - 5 * DAY)
    with acting_as(rep.id):
        deal = _fresh(Opportunity, deal.id)
        deal.closed_at = utcnow() - 90 * DAY
        db.session.commit()
    _assert(account, utcnow() - 90 * DAY)


def test_deleted_restored_and_destroyed(users):
    rep, admin = users["Sales Rep"], users["Admin"]
    account = make_account(owner=rep)
    old = make_opportunity(account=account, owner=rep, stage_id=stage(won=True).id, closed_at=utcnow() - 30 * DAY)
    new = make_opportunity(account=account, owner=rep, stage_id=stage(won=True).id, closed_at=utcnow() - 2 * DAY)
    _assert(account, new.closed_at)

    with acting_as(rep.id):
        recycle_bin.soft_delete(db.session, [_fresh(Opportunity, new.id)])
    _assert(account, old.closed_at)
    with acting_as(admin.id):
        recycle_bin.restore(db.session, Opportunity, new.id, admin)
    _assert(account, new.closed_at)

    # the bulk action deletes with one set-based UPDATE, past the ORM's unit of work
    with acting_as(rep.id):
        assert bulk.soft_delete("opportunity", Selection.of([new.id, old.id]), rep).changed
    _assert(account, None)
    with acting_as(admin.id):
        recycle_bin.restore(db.session, Opportunity, old.id, admin)
        _assert(account, old.closed_at)
        recycle_bin.destroy(db.session, Opportunity, new.id, admin)  # from the bin: nothing changes
        _assert(account, old.closed_at)
        db.session.delete(_fresh(Opportunity, old.id))  # a live won deal erased (DELETE)
        db.session.commit()
    _assert(account, None)


def test_moved_to_another_account(users):
    rep = users["Sales Rep"]
    first, second = make_account(owner=rep), make_account(owner=rep)
    deal = make_opportunity(account=first, owner=rep, stage_id=stage(won=True).id, closed_at=utcnow() - DAY)
    _assert(first, deal.closed_at)
    with acting_as(rep.id):
        _fresh(Opportunity, deal.id).account_id = second.id
        db.session.commit()
    _assert(first, None)
    _assert(second, deal.closed_at)


def test_merge_of_accounts_gives_the_survivor_the_latest_win(users):
    director = users["Sales Director"]
    survivor, other = make_account(owner=director), make_account(owner=director)
    early = make_opportunity(account=survivor, owner=director, stage_id=stage(won=True).id,
                             closed_at=utcnow() - 100 * DAY)
    late = make_opportunity(account=other, owner=director, stage_id=stage(won=True).id,
                            closed_at=utcnow() - 3 * DAY)
    _assert(survivor, early.closed_at)
    with acting_as(director.id, "ui"):
        merge_records("account", survivor.id, [other.id], director)
    _assert(survivor, late.closed_at)
    _assert(other, None)  # in the recycle bin, with no opportunity left


def test_bulk_stage_change_and_core_insert(users):
    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    deals = [make_opportunity(account=account, owner=rep) for _ in range(3)]
    with acting_as(rep.id):
        result = bulk.change_stage(Selection.of([d.id for d in deals]), rep, stage(won=True).id)
    assert len(result.changed) == 3
    closed = [_fresh(Opportunity, d.id).closed_at for d in deals]
    _assert(account, max(closed))

    # a Core insert (demo loader, fast_insert) sees the same rule
    other = make_account(owner=rep)
    when = utcnow() - 7 * DAY
    won_id = stage(won=True).id
    rows = [(when - DAY, None), (when, None), (when + DAY, when)]  # (closed_at, deleted_at): the last is deleted
    db.session.execute(insert(Opportunity.__table__), [
        {"name": "批量", "account_id": other.id, "amount": Decimal("1"), "currency": "CNY", "stage_id": won_id,
         "closed_at": closed_at, "deleted_at": deleted_at, "created_at": when, "updated_at": when}
        for closed_at, deleted_at in rows])
    db.session.commit()
    _assert(other, when)


def test_switching_a_stages_won_flag(users):
    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    deal = make_opportunity(account=account, owner=rep, stage_id=stage(won=True).id, closed_at=utcnow() - DAY)
    won_stage = db.session.get(Stage, stage(won=True).id)
    try:
        won_stage.is_won = False
        db.session.commit()
        _assert(account, None)
    finally:
        won_stage = db.session.get(Stage, won_stage.id)
        won_stage.is_won = True  # stages survive between tests
        db.session.commit()
    _assert(account, deal.closed_at)


def test_check_finds_and_rebuild_repairs_a_drifted_column(users):
    rep = users["Sales Rep"]
    account, spare = make_account(owner=rep), make_account(owner=rep)
    deal = make_opportunity(account=account, owner=rep, stage_id=stage(won=True).id, closed_at=utcnow() - DAY)
    db.session.execute(update(Account.__table__).values(last_won_at=None))  # as a load without triggers would
    db.session.execute(update(Account.__table__).where(Account.id == spare.id).values(last_won_at=utcnow()))
    db.session.commit()
    before = db.session.scalar(select(Account.updated_at).where(Account.id == account.id))
    assert last_won.check() == sorted([account.id, spare.id])
    assert last_won.rebuild() == 2
    _assert(account, deal.closed_at)
    _assert(spare, None)
    assert db.session.scalar(select(Account.updated_at).where(Account.id == account.id)) == before


def test_the_daily_check_job_repairs_drift_through_the_scheduler(users):
    from app.services import scheduler

    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    deal = make_opportunity(account=account, owner=rep, stage_id=stage(won=True).id, closed_at=utcnow() - DAY)
    runs = scheduler.run_due(only="last-won-check", force=True)
    assert [(r.job, r.status) for r in runs] == [("last-won-check", "ok")]
    db.session.execute(update(Account.__table__).values(last_won_at=None))  # a trigger went missing
    db.session.commit()
    assert last_won.check_job() == "recomputed 1 accounts"
    _assert(account, deal.closed_at)
    assert last_won.check_job() == "last won dates exact"


def test_reclaim_repairs_a_drifted_column_before_taking_an_account_away(users):
    rep = users["Sales Rep"]
    rules = db.session.get(PoolSettings, 1)
    rules.auto_reclaim, rules.no_followup_days, rules.no_won_days = True, 30, 180
    db.session.commit()
    long_ago = utcnow() - 400 * DAY
    won_lately = make_account(owner=rep, last_followup_at=utcnow(), created_at=long_ago)
    make_opportunity(account=won_lately, owner=rep, stage_id=stage(won=True).id, closed_at=utcnow() - 10 * DAY)
    never_won = make_account(owner=rep, last_followup_at=utcnow(), created_at=long_ago)
    db.session.execute(update(Account.__table__).values(last_won_at=None))  # a trigger went missing
    db.session.commit()

    assert reclaim() == 1
    db.session.expire_all()
    assert db.session.get(Account, won_lately.id).owner_id == rep.id
    assert db.session.get(Account, never_won.id).owner_id is None
    assert last_won.check() == []


def test_warning_clause_is_due_soon_but_not_due_now(users):
    """The range form of warning_clause selects exactly due(now + warning) AND NOT due(now)."""
    rep = users["Sales Rep"]
    rules = db.session.get(PoolSettings, 1)
    rules.no_followup_days, rules.no_won_days, rules.warning_days = 30, 180, 3
    db.session.commit()
    now = utcnow()
    # either side of each boundary, on each clock, with and without a follow-up / a won deal
    followups = [None, *(now - d * DAY for d in (40, 30.5, 29.5, 27.5, 26.5, 5))]
    created = [now - d * DAY for d in (400, 182, 179, 177.5, 176.5, 29.5, 27.5, 10)]
    wins = [None, *(now - d * DAY for d in (300, 180.5, 179, 177.5, 176.5, 20))]
    for f in followups:
        for c in created:
            account = make_account(owner=rep, last_followup_at=f, created_at=c)
            db.session.execute(update(Account.__table__).where(Account.id == account.id)
                               .values(last_won_at=wins[account.id % len(wins)]))
    make_account(owner=None, created_at=now - 178 * DAY)  # in the pool: never warned
    db.session.commit()

    expected = set(db.session.scalars(select(Account.id).where(due_clause(now + 3 * DAY), ~due_clause(now))))
    found = set(db.session.scalars(select(Account.id).where(warning_clause())))
    assert 10 < len(expected) < len(followups) * len(created)
    assert found == expected
