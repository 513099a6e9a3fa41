"""The in-app scheduler: due jobs run once, whichever worker ticks; failures retry; absent features skip."""

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Account, ScheduledJob, utcnow
from app.services import scheduler
from app.services.scheduler import Job
from tests.factories import make_account
from tests.services.test_reclaim import _rules

CALLS: list[str] = []


def counting_job():
    CALLS.append(threading.current_thread().name)
    time.sleep(0.3)  # long enough for every other worker to try while this one holds the lease
    return "counted"


def failing_job():
    raise RuntimeError("receiver down")


@pytest.fixture
def jobs(monkeypatch):
    CALLS.clear()

    def use(*job_list):
        monkeypatch.setattr(scheduler, "JOBS", tuple(job_list))

    return use


def _row(name):
    db.session.expire_all()
    return db.session.get(ScheduledJob, name)


def test_daily_reclaim_runs_when_due_and_not_again(app_ctx, users):
    _rules()
    rep = users["Sales Rep"]
    neglected = make_account(owner=rep, last_followup_at=utcnow() - dt.timedelta(days=40),
                             created_at=utcnow() - dt.timedelta(days=100))
    now = utcnow()
    scheduler.run_due(now)  # first tick only plans the daily jobs for tonight
    assert db.session.get(Account, neglected.id).owner_id == rep.id
    tonight = _row("pool-reclaim").next_run_at
    assert now < tonight <= now + dt.timedelta(days=1)

    runs = {run.job: run for run in scheduler.run_due(tonight)}
    assert runs["pool-reclaim"].status == "ok"
    assert runs["pool-reclaim"].message.startswith("1 ")
    db.session.expire_all()
    assert db.session.get(Account, neglected.id).owner_id is None
    row = _row("pool-reclaim")
    assert row.runs == 1 and row.last_status == "ok"
    assert row.next_run_at == tonight + dt.timedelta(days=1)
    # the same tick again (a second worker, a cron run) finds nothing due
    assert "pool-reclaim" not in {run.job for run in scheduler.run_due(tonight)}


def test_daily_time_is_local(app_ctx):
    job = Job("x", "tests:x", daily=True)
    # 02:30 in Shanghai is 18:30 UTC the day before
    assert scheduler.next_slot(job, dt.datetime(2026, 11, 25, 12, 0)) == dt.datetime(2026, 11, 25, 18, 30)
    assert scheduler.next_slot(job, dt.datetime(2026, 11, 25, 18, 30)) == dt.datetime(2026, 11, 26, 18, 30)


def test_many_workers_ticking_at_once_run_a_due_job_once(app, jobs):
    jobs(Job("count", "tests.services.test_scheduler:counting_job", every=dt.timedelta(minutes=1)))
    now = utcnow()
    with app.app_context():
        scheduler.run_due(now)  # plans the row
        db.session.execute(ScheduledJob.__table__.update().values(next_run_at=now))
        db.session.commit()
        CALLS.clear()
    barrier = threading.Barrier(6)
    errors = []

    def worker():
        try:
            with app.app_context():
                barrier.wait()
                scheduler.run_due(now + dt.timedelta(seconds=1))
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, name=f"w{i}") for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(CALLS) == 1
    with app.app_context():
        row = db.session.get(ScheduledJob, "count")
        assert row.runs == 1 and row.lease_until is None


def test_a_failing_job_retries_soon_and_others_still_run(app_ctx, jobs):
    jobs(Job("broken", "tests.services.test_scheduler:failing_job", every=dt.timedelta(hours=1)),
         Job("count", "tests.services.test_scheduler:counting_job", every=dt.timedelta(hours=1)))
    now = utcnow()
    runs = {run.job: run for run in scheduler.run_due(now, force=True)}
    assert runs["broken"].status == "error"
    assert runs["count"].status == "ok"
    broken = _row("broken")
    assert broken.last_status == "error" and "receiver down" in broken.last_message
    assert broken.next_run_at == now + scheduler.RETRY_AFTER
    assert broken.lease_until is None


def test_a_job_of_an_absent_feature_is_skipped(app_ctx, jobs):
    jobs(Job("ghost", "app.services.no_such_feature:run", every=dt.timedelta(minutes=1)))
    runs = scheduler.run_due(utcnow(), force=True)
    assert [(run.job, run.status) for run in runs] == [("ghost", "skipped")]


def test_a_held_lease_blocks_other_workers_until_it_expires(app_ctx, jobs):
    jobs(Job("count", "tests.services.test_scheduler:counting_job", every=dt.timedelta(minutes=1),
             lease=dt.timedelta(minutes=5)))
    now = utcnow()
    scheduler.run_due(now)
    db.session.execute(ScheduledJob.__table__.update().values(next_run_at=now, lease_until=now + dt.timedelta(minutes=5)))
    db.session.commit()
    assert scheduler.run_due(now + dt.timedelta(minutes=1)) == []  # a live worker holds it
    runs = scheduler.run_due(now + dt.timedelta(minutes=6))  # that worker died; the lease lapsed
    assert [run.job for run in runs] == ["count"]


def test_cli_runs_due_jobs_once(app, app_ctx, users):
    _rules()
    account = make_account(owner=users["Sales Rep"], created_at=utcnow() - dt.timedelta(days=400))
    result = app.test_cli_runner().invoke(args=["crm", "scheduler", "--once", "--job", "pool-reclaim", "--force"])
    assert result.exit_code == 0, result.output
    assert "pool-reclaim: ok 1 accounts" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Account.owner_id).where(Account.id == account.id)) is None
    listing = app.test_cli_runner().invoke(args=["crm", "scheduler"])
    assert "pool-reclaim" in listing.output and "ok" in listing.output
