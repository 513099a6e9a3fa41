"""The in-app scheduler: daily pool reclaim and recycle-bin purge, minute-by-minute queues.

Every web worker ticks once a minute (when `CRM_SCHEDULER` is on) and runs what is due; cron can
do the same with `flask --app run crm scheduler --once`. A job runs only after its row's lease was
taken with one conditional UPDATE, so two workers — or a worker and cron — never run it twice,
on SQLite and on PostgreSQL alike. Jobs are idempotent anyway: a crash mid-run is repaired by the
next run after the lease expires.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import ScheduledJob, utcnow
from app.models.actor import acting_as
from app.models.history import Door

log = logging.getLogger("crm.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    target: str  # "module:function", imported when run so optional features may be absent
    every: dt.timedelta | None = None  # interval jobs
    daily: bool = False  # once a day at CRM_SCHEDULER_DAILY_AT, local time
    lease: dt.timedelta = dt.timedelta(minutes=30)  # a run that outlives this is presumed dead


JOBS: tuple[Job, ...] = (
    Job("pool-reclaim", "app.services.scheduler:_reclaim", daily=True),
    Job("recycle-purge", "app.services.scheduler:_purge", daily=True),
    Job("sqlite-optimize", "app.services.scheduler:_optimize", daily=True),
    Job("forecast-snapshot", "app.services.analytics.forecast:snapshot_job", daily=True),
    Job("analytics-rollup-check", "app.services.analytics.rollup:check_job", daily=True),
    Job("last-won-check", "app.services.last_won:check_job", daily=True),
    Job("events", "app.services.events:process_new_history", every=dt.timedelta(minutes=1),
        lease=dt.timedelta(minutes=5)),
    Job("webhooks-deliver", "app.services.webhooks:deliver_due", every=dt.timedelta(minutes=1),
        lease=dt.timedelta(minutes=5)),
    Job("import-recover", "app.services.importing.recovery:recover_job", every=dt.timedelta(minutes=1)),
)
RETRY_AFTER = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Run:
    job: str
    status: str  # ok / error / skipped (feature not installed)
    message: str = ""


def _resolve(target: str) -> Callable | None:
    module_name, func_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    return getattr(module, func_name, None)


def next_slot(job: Job, after: dt.datetime) -> dt.datetime:
    """The next run after `after` (naive UTC)."""
    if not job.daily:
        return after + job.every
    config = current_app.config
    zone = ZoneInfo(config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    hour, minute = (int(part) for part in config.get("CRM_SCHEDULER_DAILY_AT", "02:30").split(":"))
    local = after.replace(tzinfo=dt.UTC).astimezone(zone)
    slot = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if slot <= local:
        slot += dt.timedelta(days=1)
    return slot.astimezone(dt.UTC).replace(tzinfo=None)


def _ensure_rows(now: dt.datetime) -> None:
    known = set(db.session.scalars(select(ScheduledJob.name)))
    for job in JOBS:
        if job.name in known:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(ScheduledJob(name=job.name, next_run_at=next_slot(job, now), runs=0))
        except IntegrityError:  # another worker inserted it first
            pass
    db.session.commit()


def _take_lease(job: Job, now: dt.datetime) -> bool:
    taken = db.session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.name == job.name, ScheduledJob.next_run_at <= now,
               or_(ScheduledJob.lease_until.is_(None), ScheduledJob.lease_until < now))
        .values(lease_until=now + job.lease, last_started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.commit()
    return taken


def _finish(job: Job, status: str, message: str, next_run: dt.datetime) -> None:
    db.session.execute(
        update(ScheduledJob).where(ScheduledJob.name == job.name)
        .values(lease_until=None, last_finished_at=utcnow(), last_status=status,
                last_message=message[:2000], next_run_at=next_run, runs=ScheduledJob.runs + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def run_due(now: dt.datetime | None = None, only: str | None = None, force: bool = False) -> list[Run]:
    """Run every job that is due (or `only` one; `force` ignores its time but not its lease)."""
    now = now or utcnow()
    _ensure_rows(now)
    runs = []
    for job in JOBS:
        if only and job.name != only:
            continue
        if force:
            db.session.execute(update(ScheduledJob).where(ScheduledJob.name == job.name)
                               .values(next_run_at=now).execution_options(synchronize_session=False))
            db.session.commit()
        if not _take_lease(job, now):
            continue
        runs.append(_run(job, now))
    return runs


def _run(job: Job, now: dt.datetime) -> Run:
    func = _resolve(job.target)
    if func is None:
        _finish(job, "skipped", "not installed", next_slot(job, now))
        return Run(job.name, "skipped", "not installed")
    try:
        with acting_as(None, Door.SYSTEM):
            result = func()
    except Exception as exc:  # a failing job must not stop the others; it retries soon
        db.session.rollback()
        log.exception("scheduled job %s failed", job.name)
        _finish(job, "error", f"{type(exc).__name__}: {exc}", now + RETRY_AFTER)
        return Run(job.name, "error", str(exc))
    message = "" if result is None else str(result)
    _finish(job, "ok", message, next_slot(job, now))
    log.info("scheduled job %s: %s", job.name, message)
    return Run(job.name, "ok", message)


def status() -> list[ScheduledJob]:
    return list(db.session.scalars(select(ScheduledJob).order_by(ScheduledJob.name)))


# -- the daily jobs ---------------------------------------------------------------------------
def _reclaim() -> str:
    from app.services.reclaim import reclaim

    return f"{reclaim()} accounts returned to the pool"


def _purge() -> str:
    from app.services.recycle_bin import purge

    counts = purge(db.session, current_app.config["CRM_RECYCLE_RETENTION_DAYS"])
    return ", ".join(f"{name} {count}" for name, count in counts.items())


def _optimize() -> str:
    if db.engine.dialect.name != "sqlite":
        return "not needed"
    from sqlalchemy import text

    db.session.execute(text("PRAGMA optimize"))
    db.session.commit()
    return "planner statistics refreshed"


# -- the ticking thread -------------------------------------------------------------------------
_started: set[int] = set()
_lock = threading.Lock()


def start_in_background(app: Flask) -> None:
    """Start this process's ticker once; called on the first request, so CLI commands never tick."""
    with _lock:
        if id(app) in _started:
            return
        _started.add(id(app))
    interval = app.config.get("CRM_SCHEDULER_TICK_SECONDS", 60)
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(interval):
            try:
                with app.app_context():
                    run_due()
                    db.session.remove()
            except Exception:  # the database may be briefly unavailable; try again next tick
                log.exception("scheduler tick failed")

    threading.Thread(target=tick, name="crm-scheduler", daemon=True).start()
