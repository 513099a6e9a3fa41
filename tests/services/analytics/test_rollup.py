"""The summary tables answer charts exactly: equal to the plain aggregate over the base tables, for
every chart, scope and filter, and still equal after every kind of write (ORM, set-based, delete)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from flask import current_app
from sqlalchemy import delete, func, select, text, update

from app.extensions import db
from app.models import Activity, Lead
from app.models.analytics_rollup import ActivityDay, LeadMonth, RollupState
from app.services.analytics import DASHBOARDS, chart_specs, parse_filters
from app.services.analytics.engine import load_context, run_chart
from app.services.analytics.filters import add_months, month_start, today
from app.services.analytics.rollup import check_job, rebuild, rollup_plan, verify
from app.services.analytics.spec import ChartSpec
from tests.factories import make_activity, make_lead

WHO = ("rep", "manager", "executive")
# the summaries are kept by triggers on both databases: SQLite row triggers (0019), PostgreSQL
# statement triggers (0025)


def _filters(world):
    this_month = month_start(today())
    first = add_months(this_month, -2)
    return [
        parse_filters({"period": "year"}),
        parse_filters({"period": "month"}),
        parse_filters({"period": "last12"}),
        parse_filters({"period": "custom", "start": first.isoformat(),
                       "end": (add_months(this_month, 1) - dt.timedelta(days=1)).isoformat()}),
        parse_filters({"period": "custom", "start": (this_month - dt.timedelta(days=20)).isoformat(),
                       "end": (today() + dt.timedelta(days=3)).isoformat()}),  # not month-aligned
        parse_filters({"period": "year", "channel": "online"}),
        parse_filters({"period": "year", "owner": "pool"}),
        parse_filters({"period": "year", "owner": str(world["rep"].id)}),
        parse_filters({"period": "year", "department": str(world["east"].id)}),
    ]


def _both(spec, filters, user):
    fast = run_chart(spec, filters, user, load_context(user, learned=True))
    plain = run_chart(spec, filters, user, load_context(user, learned=True, rollups=False))
    return fast.to_dict(), plain.to_dict()


def test_the_summaries_are_in_use(world):
    ctx = load_context(world["executive"])
    assert ctx.rollup_offset == db.session.get(RollupState, 1).offset_minutes
    assert load_context(world["executive"], rollups=False).rollup_offset is None
    assert db.session.scalar(select(func.sum(LeadMonth.n))) == db.session.scalar(
        select(func.count(Lead.id)).where(Lead.deleted_at.is_(None)))
    assert db.session.scalar(select(func.sum(ActivityDay.n))) == 5


@pytest.mark.parametrize("who", WHO)
def test_every_chart_equals_the_plain_aggregate(world, who):
    user = world[who]
    ctx = load_context(user, learned=True)
    from_summary = 0
    for filters in _filters(world):
        for dashboard in DASHBOARDS:
            for spec in chart_specs(dashboard.key):
                fast, plain = _both(spec, filters, user)
                assert fast == plain, (spec.key, filters)
                from_summary += rollup_plan(spec, filters, user, ctx) is not None
    assert from_summary >= 40  # the comparison really went through the summaries


def test_a_custom_period_off_the_month_grain_reads_the_base_table(world):
    user = world["executive"]
    ctx = load_context(user)
    spec = next(s for s in chart_specs("sources") if s.key == "sources_channel")
    odd = parse_filters({"period": "custom", "start": "2026-01-05", "end": "2026-02-10"})
    assert rollup_plan(spec, odd, user, ctx) is None
    assert rollup_plan(spec, parse_filters({"period": "quarter"}), user, ctx) is not None
    weekly = next(s for s in chart_specs("activities") if s.key == "activities_week")
    assert rollup_plan(weekly, odd, user, ctx) is not None  # a day table answers any day


def test_another_utc_offset_reads_the_base_table(world):
    user = world["executive"]
    spec = next(s for s in chart_specs("funnel") if s.key == "funnel_channel")
    ctx = load_context(user)
    ctx.rollup_offset += 60  # the summaries were built for another zone: not usable
    assert rollup_plan(spec, parse_filters({"period": "year"}), user, ctx) is None


def test_a_measure_the_summary_cannot_answer_is_merged_from_the_base_table(world):
    user = world["executive"]
    spec = next(s for s in chart_specs("funnel") if s.key == "funnel_channel")
    p = rollup_plan(spec, parse_filters({"period": "year"}), user, load_context(user))
    assert p.source == "analytics_lead_month"
    assert list(p.extra) == [4]  # count::won: leads whose opportunity was won


def _write_everything(world):
    rep, colleague = world["rep"], world["colleague"]
    leads = world["leads"]
    # ORM updates of every summarised column
    leads[0].owner_id = colleague.id
    leads[1].status = "converted"
    leads[2].channel = "referral"
    leads[3].source_id = None
    leads[4].converted_opportunity_id = world["opp"]["rep_open"].id
    db.session.commit()
    # soft delete, restore, hard delete, a new row, a set-based update
    ids = [lead.id for lead in leads]
    db.session.execute(update(Lead).where(Lead.id == ids[5]).values(deleted_at=world["now"]))
    db.session.execute(update(Lead).where(Lead.id == ids[5]).values(deleted_at=None))
    db.session.execute(update(Lead).where(Lead.id == ids[6]).values(deleted_at=world["now"]))
    db.session.commit()
    db.session.execute(delete(Lead).where(Lead.id == ids[7]))
    make_lead(owner=rep, status="qualified", channel="offline")
    db.session.execute(update(Lead).where(Lead.owner_id.is_(None)).values(owner_id=rep.id))
    db.session.execute(update(Lead).where(Lead.id == ids[8]).values(
        created_at=world["now"] - dt.timedelta(days=200)))
    # activities: done, moved, re-typed, re-assigned, undated, deleted
    acts = list(db.session.scalars(select(Activity).order_by(Activity.id)))
    acts[0].done_at = None
    acts[1].done_at = world["now"]
    acts[2].due_at = world["now"] - dt.timedelta(days=40)
    acts[3].type = "visit"
    acts[4].owner_id = rep.id
    db.session.commit()
    make_activity(owner=rep, due_at=None)
    db.session.execute(update(Activity).where(Activity.id == acts[0].id).values(deleted_at=world["now"]))
    db.session.execute(delete(Activity).where(Activity.id == acts[1].id))
    db.session.commit()


def test_the_summaries_stay_exact_through_every_kind_of_write(world):
    assert verify() == {"analytics_lead_month": 0, "analytics_activity_day": 0}
    _write_everything(world)
    assert verify() == {"analytics_lead_month": 0, "analytics_activity_day": 0}
    for who in WHO:
        for dashboard in ("funnel", "sources", "activities", "team"):
            for spec in chart_specs(dashboard):
                fast, plain = _both(spec, parse_filters({"period": "last12"}), world[who])
                assert fast == plain, spec.key


def test_verify_sees_a_wrong_count_and_the_daily_check_repairs_it(world):
    db.session.execute(update(LeadMonth).values(n=LeadMonth.n + 1))
    db.session.execute(delete(ActivityDay).where(ActivityDay.type == "visit"))
    db.session.commit()
    wrong = verify()
    assert wrong["analytics_lead_month"] > 0 and wrong["analytics_activity_day"] > 0
    spec = ChartSpec("x", "x", "lead", group_by="channel")
    user = world["executive"]
    year = parse_filters({"period": "year"})
    assert run_chart(spec, year, user).to_dict() != run_chart(
        spec, year, user, load_context(user, rollups=False)).to_dict()
    assert check_job().startswith("rebuilt")
    assert verify() == {"analytics_lead_month": 0, "analytics_activity_day": 0}
    assert check_job() == "summaries exact"
    assert run_chart(spec, year, user).to_dict() == run_chart(
        spec, year, user, load_context(user, rollups=False)).to_dict()


def test_rebuild_with_another_offset_moves_rows_across_midnight(world):
    lead = make_lead(owner=world["rep"])
    # 20:00 UTC on the last day of a month is already the next month at UTC+8, not at UTC+0
    db.session.execute(update(Lead).where(Lead.id == lead.id).values(created_at=dt.datetime(2026, 1, 31, 20)))
    db.session.commit()
    months = lambda: set(db.session.scalars(select(LeadMonth.month).where(LeadMonth.n > 0)))  # noqa: E731
    assert dt.date(2026, 2, 1) in months()
    rebuild(0)
    assert dt.date(2026, 1, 1) in months() and dt.date(2026, 2, 1) not in months()
    rebuild(480)
    assert verify() == {"analytics_lead_month": 0, "analytics_activity_day": 0}


ZERO = {"analytics_lead_month": 0, "analytics_activity_day": 0}


def test_two_transactions_adding_to_the_same_summary_row_both_count(world):
    """The second writer waits for the first one's summary row and adds to it: no count is lost
    (PostgreSQL: INSERT … ON CONFLICT DO UPDATE row lock; SQLite: the single writer lock)."""
    rep = world["rep"]
    first, second = make_lead(owner=rep, status="new"), make_lead(owner=rep, status="new")
    key = (LeadMonth.owner_id == rep.id, LeadMonth.status == "contacted")
    assert not db.session.scalar(select(func.sum(LeadMonth.n)).where(*key))
    db.session.commit()
    engine, app = db.engine, current_app._get_current_object()
    errors, finished = [], threading.Event()

    def other_writer():
        try:
            with app.app_context(), engine.connect() as conn, conn.begin():
                conn.execute(update(Lead).where(Lead.id == second.id).values(status="contacted"))
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finished.set()

    conn = engine.connect()
    try:
        transaction = conn.begin()
        conn.execute(update(Lead).where(Lead.id == first.id).values(status="contacted"))
        thread = threading.Thread(target=other_writer)
        thread.start()
        assert not finished.wait(0.5), ("the second writer should wait for the first", errors)
        transaction.commit()
    finally:
        conn.close()
    thread.join(30)
    assert not errors and finished.is_set()
    db.session.expire_all()
    assert db.session.scalar(select(func.sum(LeadMonth.n)).where(*key)) == 2
    assert verify() == ZERO


def _pg_only():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL triggers (migration 0025)")


def test_the_session_switch_skips_the_triggers_and_a_rebuild_repairs(world):
    """`SET LOCAL crm.analytics_rollup = 'off'`: what bulk copies use; the rebuild then counts."""
    _pg_only()
    db.session.execute(text("SET LOCAL crm.analytics_rollup = 'off'"))
    make_lead(owner=world["rep"], status="qualified")  # commits: the setting ends with the transaction
    assert verify()["analytics_lead_month"] > 0
    make_lead(owner=world["rep"], status="qualified")  # counted again (the setting was local)
    assert verify()["analytics_lead_month"] > 0
    rebuild()
    assert verify() == ZERO


def test_the_migration_backfills_and_installs_the_triggers(world):
    """Migration 0025 run again on rows already there: down (no triggers, empty summaries), up."""
    _pg_only()
    import importlib

    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    migration = importlib.import_module("app.migrations.versions.0025_analytics_pg")
    db.session.commit()
    with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        migration.downgrade()
        assert conn.scalar(select(func.count()).select_from(LeadMonth)) == 0
        conn.execute(update(Lead).where(Lead.owner_id == world["rep"].id).values(status="qualified"))
        assert conn.scalar(select(func.count()).select_from(LeadMonth)) == 0  # no trigger now
        migration.upgrade()
    assert verify() == ZERO
    assert db.session.scalar(select(func.sum(LeadMonth.n))) == db.session.scalar(
        select(func.count(Lead.id)).where(Lead.deleted_at.is_(None)))
    make_activity(owner=world["rep"], due_at=world["now"])
    db.session.execute(delete(Lead).where(Lead.id == world["leads"][0].id))
    db.session.commit()
    assert verify() == ZERO
    assert check_job() == "summaries exact"
