"""Domain events 业务事件: derived from history, recorded once, fanned out to webhooks and points.

One mechanism, whatever the door. Every business change already leaves a History row (the
after_flush hook in app/services/history.py, or a set-based INSERT by a bulk import), and every
follow-up leaves a FollowUp row. `process_new_history()` reads those append-only tables past a
cursor and turns rows into events:

  lead created · lead converted · opportunity stage changed · opportunity won / lost ·
  account owner changed · account returned to the pool · follow-up logged
  (+ activity overdue, found by time rather than by a row)

Each event has a unique `key`. Once-per-record events are keyed by the record ("lead.converted:7":
a lead converts once, an opportunity is won once — reopening and winning again earns nothing);
changes that may repeat are keyed by their history row ("h:42:opportunity.stage_changed").
The event row, its webhook deliveries and its points ledger entry are written in ONE transaction,
and the event INSERT is `ON CONFLICT DO NOTHING`: a retry, a second worker or a re-read of the
same rows finds the key taken and fans out nothing. Points and webhooks are therefore produced by
the same code path for the screen, the API, imports and bulk actions, and never twice.

Why after the commit rather than inside the writer's flush: rows inserted set-based (Core, no ORM
objects) never reach a flush hook, and reading committed rows cannot record an event for a change
that was rolled back. The price is a little latency, kept small by running the processor right
after every request that wrote records (in a background thread: `install`), and every minute
from the scheduler (`app.services.scheduler`) or `flask --app run crm webhooks-deliver`.

The cursor only moves over a contiguous run of ids: on PostgreSQL a transaction may commit id 100
after id 101 was read, so rows past a gap are read again (harmlessly: keys are unique) until the
gap is filled or older than GAP_GRACE (then it was a rollback).

Only events somebody consumes are stored (an active webhook subscribed to the kind, or an active
point rule with points), so a million imported leads do not become a million idle event rows.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app, g, has_request_context, request
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import (
    Account,
    Activity,
    CrmEvent,
    EventCursor,
    EventKind,
    FollowUp,
    History,
    HistoryAction,
    Lead,
    Opportunity,
    Stage,
    utcnow,
)

from .transactions import retry_on_conflict

log = logging.getLogger("crm.events")

BATCH = 2000
MAX_BATCHES = 50  # per call: 100,000 rows a minute is plenty; the next call continues
GAP_GRACE = dt.timedelta(minutes=10)
OVERDUE_FIRST_LOOKBACK = dt.timedelta(days=1)
MODELS = {"lead": Lead, "account": Account, "opportunity": Opportunity, "activity": Activity,
          "follow_up": FollowUp}
# what a webhook may tell about a record (no match keys, versions or deletion bookkeeping)
PUBLIC_FIELDS = {
    "lead": ("id", "external_id", "person_name", "company_name", "title", "mobile", "phone", "email",
             "wechat", "channel", "source_id", "status", "rating", "industry", "province", "city",
             "owner_id", "converted_account_id", "converted_contact_id", "converted_opportunity_id",
             "converted_at", "created_at", "updated_at"),
    "account": ("id", "external_id", "name", "industry", "level", "source_id", "phone", "website",
                "province", "city", "address", "owner_id", "last_followup_at", "created_at",
                "updated_at"),
    "opportunity": ("id", "external_id", "name", "account_id", "contact_id", "amount", "currency",
                    "stage_id", "expected_close_date", "closed_at", "lost_reason_id", "owner_id",
                    "source_lead_id", "created_at", "updated_at"),
    "activity": ("id", "external_id", "type", "subject", "due_at", "done_at", "lead_id", "account_id",
                 "contact_id", "opportunity_id", "owner_id", "created_at", "updated_at"),
    "follow_up": ("id", "activity_id", "type", "outcome", "at", "lead_id", "account_id", "contact_id",
                  "opportunity_id", "created_by_id", "created_at"),
}


@dataclass
class Draft:
    """An event before it is recorded."""

    key: str
    kind: EventKind
    entity: str
    record_id: int
    at: dt.datetime
    door: str = "system"
    actor_id: int | None = None
    history_id: int | None = None
    changes: dict = field(default_factory=dict)


# -- deriving events ----------------------------------------------------------------------------
def _int(value):
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _stages() -> tuple[set[int], set[int]]:
    rows = db.session.execute(select(Stage.id, Stage.is_won, Stage.is_lost)).all()
    return {r.id for r in rows if r.is_won}, {r.id for r in rows if r.is_lost}


def _first_rows(rows) -> set[int]:
    """Ids of the rows that are the first history row of their record (a creation by import)."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.action == HistoryAction.IMPORT:
            wanted.setdefault(row.entity, set()).add(row.record_id)
    firsts: set[int] = set()
    for entity, ids in wanted.items():
        firsts |= set(db.session.scalars(
            select(func.min(History.id)).where(History.entity == entity, History.record_id.in_(ids))
            .group_by(History.record_id)))
    return firsts


def derive(rows) -> list[Draft]:
    """Events told by history rows (History objects or rows with the same attributes)."""
    won, lost = _stages()
    firsts = _first_rows(rows)
    out: list[Draft] = []
    for row in rows:
        changes = row.changes or {}
        if isinstance(changes, str):
            changes = json.loads(changes)
        creating = row.action == HistoryAction.CREATE or row.id in firsts

        def draft(kind: EventKind, key: str, _row=row, _changes=changes) -> Draft:
            return Draft(key, kind, _row.entity, _row.record_id, _row.at, _row.door, _row.actor_id,
                         _row.id, _changes)

        rid, hid = row.record_id, row.id
        if row.entity == "lead":
            if creating:
                out.append(draft(EventKind.LEAD_CREATED, f"lead.created:{rid}"))
            status = changes.get("status")
            became_converted = bool(status) and status[-1] == "converted" and status[0] != "converted"
            if row.action == HistoryAction.CONVERT or became_converted:
                out.append(draft(EventKind.LEAD_CONVERTED, f"lead.converted:{rid}"))
        elif row.entity == "opportunity" and "stage_id" in changes:
            old, new = (_int(v) for v in changes["stage_id"])
            if not creating and old != new:
                out.append(draft(EventKind.OPPORTUNITY_STAGE_CHANGED, f"h:{hid}:opportunity.stage_changed"))
            if new in won and old not in won:
                out.append(draft(EventKind.OPPORTUNITY_WON, f"opportunity.won:{rid}"))
            if new in lost and old not in lost:
                out.append(draft(EventKind.OPPORTUNITY_LOST, f"opportunity.lost:{rid}"))
        elif row.entity == "account" and "owner_id" in changes and not creating:
            old, new = (_int(v) for v in changes["owner_id"])
            if new is None and old is not None:
                out.append(draft(EventKind.ACCOUNT_RETURNED_TO_POOL, f"h:{hid}:account.returned_to_pool"))
            elif new is not None and new != old:
                out.append(draft(EventKind.ACCOUNT_OWNER_CHANGED, f"h:{hid}:account.owner_changed"))
    return out


def derive_follow_ups(rows) -> list[Draft]:
    return [Draft(f"followup.logged:{row.id}", EventKind.FOLLOWUP_LOGGED, "follow_up", row.id,
                  row.created_at, "system", row.created_by_id) for row in rows]


def derive_overdue(since: dt.datetime, now: dt.datetime) -> list[Draft]:
    """Open activities whose due time passed in (since, now]; each (activity, due time) once."""
    rows = db.session.execute(
        select(Activity.id, Activity.due_at).where(
            Activity.done_at.is_(None), Activity.due_at > since, Activity.due_at <= now)
        .order_by(Activity.due_at).limit(BATCH * MAX_BATCHES)
    ).all()
    return [Draft(f"activity.overdue:{row.id}:{row.due_at.isoformat()}", EventKind.ACTIVITY_OVERDUE,
                  "activity", row.id, row.due_at) for row in rows]


# -- recording and fanning out ------------------------------------------------------------------
def _plain(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def describe(entity: str, record) -> dict:
    """The record's public fields, as a webhook receives them."""
    out = {"type": entity}
    for name in PUBLIC_FIELDS.get(entity, ("id",)):
        if hasattr(record, name):
            out[name] = _plain(getattr(record, name))
    if entity == "opportunity" and getattr(record, "stage", None) is not None:
        stage = record.stage
        out["stage"] = {"id": stage.id, "name_zh": stage.name_zh, "name_en": stage.name_en,
                        "is_won": stage.is_won, "is_lost": stage.is_lost}
    owner = getattr(record, "owner", None)
    if owner is not None:
        out["owner_username"] = owner.username
    return out


def payload(draft: Draft, record) -> str:
    public = set(PUBLIC_FIELDS.get(draft.entity, ()))
    body = {
        "id": draft.key,
        "event": str(draft.kind),
        "occurred_at": draft.at.replace(microsecond=0).isoformat() + "Z",
        "door": draft.door,
        "actor_id": draft.actor_id,
        "record": describe(draft.entity, record) if record is not None
        else {"type": draft.entity, "id": draft.record_id},
    }
    changes = {k: v for k, v in draft.changes.items() if k in public}
    if changes and draft.kind != EventKind.LEAD_CREATED:
        body["changes"] = changes
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def insert_ignore(table, values: dict, conflict: list[str]):
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the new id, or None when the row existed."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict)
    return db.session.execute(statement.returning(table.c.id)).scalar()


def _recipient(record, draft: Draft) -> int | None:
    """Who the event concerns: the record's owner, else whoever acted (e.g. wrote the follow-up)."""
    for name in ("owner_id", "created_by_id"):
        value = getattr(record, name, None) if record is not None else None
        if value is not None:
            return value
    return draft.actor_id


def record(drafts: list[Draft]) -> int:
    """Store each new event once and fan it out; returns how many were new. Caller commits."""
    from . import rewards, webhooks

    if not drafts:
        return 0
    endpoints = webhooks.subscriptions()
    rules = rewards.active_rules()
    new = 0
    for draft in drafts:
        subscribers = [e for e in endpoints if str(draft.kind) in e[1]]
        rule = rules.get(str(draft.kind))
        if not subscribers and rule is None:
            continue
        model = MODELS.get(draft.entity)
        obj = db.session.get(model, draft.record_id, execution_options={"include_deleted": True}) \
            if model is not None else None
        user_id = _recipient(obj, draft)
        event_id = insert_ignore(CrmEvent.__table__, {
            "key": draft.key, "kind": str(draft.kind), "history_id": draft.history_id,
            "entity": draft.entity, "record_id": draft.record_id, "user_id": user_id,
            "actor_id": draft.actor_id, "door": draft.door or "system", "at": draft.at,
            "payload": payload(draft, obj),
        }, ["key"])
        if event_id is None:
            continue  # recorded before: never twice
        new += 1
        webhooks.enqueue(event_id, [e[0] for e in subscribers])
        if rule is not None and user_id is not None:
            rewards.award(event_id, rule, user_id, obj, draft.at)
    return new


# -- reading past the cursors -------------------------------------------------------------------
def _cursor(name: str, table) -> EventCursor:
    cursor = db.session.get(EventCursor, name)
    if cursor is None:
        # never run here before (a fresh database): start at the first row there is
        first = db.session.scalar(select(func.min(table.c.id))) if table is not None else None
        cursor = EventCursor(name=name, last_id=(first or 1) - 1)
        db.session.add(cursor)
        db.session.flush()
    return cursor


def _advance(cursor: EventCursor, to: int) -> None:
    db.session.execute(
        update(EventCursor).where(EventCursor.name == cursor.name, EventCursor.last_id < to)
        .values(last_id=to).execution_options(synchronize_session=False))


def _scan(name: str, table, time_column: str, deriver, now: dt.datetime) -> int:
    cursor = _cursor(name, table)
    contiguous = position = cursor.last_id
    stuck, new = False, 0
    for _ in range(MAX_BATCHES):
        rows = db.session.execute(
            select(table).where(table.c.id > position).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            break
        new += record(deriver(rows))
        for row in rows:
            if not stuck and (row.id == contiguous + 1 or getattr(row, time_column) < now - GAP_GRACE):
                contiguous = row.id
            else:
                stuck = True  # a gap that may still be filled by a transaction in flight
        position = rows[-1].id
        _advance(cursor, contiguous)
        db.session.commit()
        if len(rows) < BATCH:
            break
    db.session.commit()
    return new


def _scan_overdue(now: dt.datetime) -> int:
    cursor = db.session.get(EventCursor, "overdue")
    if cursor is None:
        cursor = EventCursor(name="overdue", last_id=0, checked_at=now - OVERDUE_FIRST_LOOKBACK)
        db.session.add(cursor)
        db.session.flush()
    since = cursor.checked_at or now - OVERDUE_FIRST_LOOKBACK
    new = record(derive_overdue(since, now))
    cursor.checked_at = max(now, since)
    db.session.commit()
    return new


@retry_on_conflict
def process_new_history(now: dt.datetime | None = None, overdue: bool = True) -> int:
    """Turn history, follow-ups and (with `overdue`) overdue activities into events; returns how
    many were new. Idempotent and safe to run concurrently (after requests, from the scheduler
    every minute, from `crm webhooks-deliver`)."""
    now = now or utcnow()
    new = _scan("history", History.__table__, "at", derive, now)
    new += _scan("follow_up", FollowUp.__table__, "created_at", derive_follow_ups, now)
    if overdue:  # time-driven, not write-driven: the scheduler's minute is precise enough
        new += _scan_overdue(now)
    return new


# -- running right after the requests that wrote records ---------------------------------------
WATCHED = (Lead, Account, Opportunity, Activity, FollowUp)


def _mark_written(session: Session, _flush_context) -> None:
    if not has_request_context():
        return
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, WATCHED):
            g.crm_records_written = True
            return


def _process_quietly(app, attempts: int = 3) -> None:
    """Best effort, a few times: another request's processing may hold the write lock just now."""
    for attempt in range(1, attempts + 1):
        try:
            with app.app_context():
                try:
                    process_new_history(overdue=False)
                finally:
                    db.session.remove()
            return
        except Exception:  # the scheduler will pick it up; the user's request is long finished
            if attempt == attempts:
                log.exception("processing events after a request failed")
            else:
                time.sleep(0.2 * attempt)


class AfterRequestRunner:
    """One background thread per process that processes events whenever a request wrote records.

    Why a thread rather than `response.call_on_close`: Werkzeug's development server (`make run`,
    `flask run`) skips `close()` when the browser resets the connection after a redirect, so points
    and webhooks silently waited for the scheduler's minute. Requests only set an event; a burst of
    writes becomes one pass, and no request ever waits for the processing."""

    def __init__(self, app) -> None:
        self.app = app
        self._wanted = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def poke(self) -> None:
        with self._lock:
            self._idle.clear()
            self._wanted.set()
            # a forked worker (gunicorn) inherits the object but not the thread
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="crm-events", daemon=True)
                self._thread.start()

    def wait_idle(self, timeout: float) -> bool:
        """True once every pass asked for so far has finished (tests; a graceful shutdown)."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            _process_quietly(self.app)
            with self._lock:
                if not self._wanted.is_set():
                    self._idle.set()


def install(app) -> None:
    """Process events after each request that wrote records (CRM_EVENTS_AFTER_REQUEST)."""
    if not sa_event.contains(Session, "after_flush", _mark_written):
        sa_event.listen(Session, "after_flush", _mark_written)
    runner = app.extensions["crm_events"] = AfterRequestRunner(app)

    @app.teardown_request
    def _after(error):
        # teardown: after the view committed, whatever the response (a failed request wrote nothing)
        wrote = g.pop("crm_records_written", False) or request.method in ("POST", "PUT", "PATCH", "DELETE")
        if wrote and error is None and current_app.config["CRM_EVENTS_AFTER_REQUEST"]:
            runner.poke()


def runner(app) -> AfterRequestRunner:
    return app.extensions["crm_events"]
