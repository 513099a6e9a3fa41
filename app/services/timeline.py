"""Notes 便签 and a record's timeline: notes, follow-ups, activities and changes, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Activity, FollowUp, History, Note, utcnow
from app.security.scope import visibility_clause

from .activities import visible_parent
from .errors import ValidationFailed
from .history import timeline as history_timeline
from .tickets import tickets_of
from .transactions import retry_on_conflict

NOTE_MAX = 5000
TIMELINE_ENTITIES = ("lead", "account", "contact", "opportunity")


@dataclass
class Entry:
    kind: str  # note, followup, activity, history, ticket
    at: dt.datetime
    record: object  # Note, FollowUp, Activity, History or Ticket


@retry_on_conflict
def add_note(entity: str, record_id: int, user, text: str | None) -> Note:
    """A note pinned to a record the user may see (written e.g. during a phone call)."""
    record = visible_parent(entity, record_id, user)
    body = (text or "").strip()
    if not body:
        raise ValidationFailed(_l("Write something first."))
    if len(body) > NOTE_MAX:
        raise ValidationFailed(_l("The note is too long (at most %(max)s characters).", max=NOTE_MAX))
    note = Note(text=body, **{f"{entity}_id": record.id})
    db.session.add(note)
    db.session.commit()
    return note


def record_timeline(entity: str, record_id: int, user, limit: int = 60) -> list[Entry]:
    """Everything that happened on one record, newest first. Raises NotFound outside the scope."""
    visible_parent(entity, record_id, user)
    fk = f"{entity}_id"
    notes = db.session.scalars(
        select(Note).where(getattr(Note, fk) == record_id).options(selectinload(Note.created_by))
        .order_by(Note.created_at.desc()).limit(limit))
    followups = db.session.scalars(
        select(FollowUp).where(getattr(FollowUp, fk) == record_id)
        .options(selectinload(FollowUp.created_by)).order_by(FollowUp.at.desc()).limit(limit))
    activities = db.session.scalars(
        select(Activity).where(getattr(Activity, fk) == record_id, visibility_clause(Activity, user))
        .options(selectinload(Activity.owner)).order_by(Activity.created_at.desc()).limit(limit))
    entries = [Entry("note", n.created_at, n) for n in notes]
    entries += [Entry("followup", f.at, f) for f in followups]
    entries += [Entry("activity", a.created_at, a) for a in activities]
    entries += [Entry("history", h.at, h) for h in history_timeline(entity, record_id, limit)]
    if entity in ("account", "contact"):  # tickets 工单 of this customer, within the scope
        entries += [Entry("ticket", t.created_at, t) for t in tickets_of(entity, record_id, user, limit)]
    entries.sort(key=lambda e: (e.at or utcnow(), _rank(e)), reverse=True)
    return entries[:limit]


def _rank(entry: Entry) -> int:
    # at the same instant, the change that created a thing comes below the thing itself
    return 0 if isinstance(entry.record, History) else 1
