"""Activities 活动, reminders 活动提醒 and follow-ups 跟进记录.

A follow-up is written whenever an activity becomes done — through the to-do inbox, the edit form,
the API or an import alike, because one session hook (`install_followup_hook`) watches `done_at` —
and whenever someone logs one directly. Every follow-up moves the customer's last follow-up time
(`account.last_followup_at`, which feeds auto-reclaim in app/services/reclaim.py); a follow-up on
a new lead marks it contacted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, event, exists, func, inspect, or_, select
from sqlalchemy.orm import Session, selectinload

from app.extensions import db
from app.models import (
    PARENTS,
    Account,
    Activity,
    ActivityReminder,
    ActivityType,
    Contact,
    FollowUp,
    Lead,
    LeadStatus,
    Opportunity,
    utcnow,
)
from app.security.scope import PARENT_MODEL, visibility_clause

from .errors import NotFound, ValidationFailed
from .transactions import retry_on_conflict

OUTCOME_MAX = 2000
SUBJECT_MAX = 200
SNOOZE_MINUTES = (10, 30, 60, 240, 1440)
PARENT_EAGER = tuple(selectinload(getattr(Activity, name)) for name in PARENTS)


# -- follow-ups: one hook for every door ---------------------------------------------------------

def install_followup_hook() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


def _before_flush(session: Session, _context, _instances) -> None:
    written = []
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Activity) and _just_done(obj):
            followup = FollowUp(
                activity_id=obj.id, type=obj.type or ActivityType.TASK,
                outcome=(obj.outcome or "").strip() or obj.subject or "-", at=obj.done_at,
                **{f"{name}_id": getattr(obj, f"{name}_id") for name in PARENTS},
            )
            if obj.id is None:
                followup.activity = obj
            session.add(followup)
            written.append(followup)
        elif isinstance(obj, FollowUp) and obj in session.new:
            written.append(obj)
    with session.no_autoflush:
        for followup in {id(f): f for f in written}.values():
            _touch_customer(session, followup)


def _just_done(activity: Activity) -> bool:
    if activity.done_at is None or activity.__dict__.get("_followup_for") == activity.done_at:
        return False
    history = inspect(activity).attrs.done_at.history
    before = history.deleted[0] if history.deleted else None
    if not history.added or before is not None:
        return False
    activity.__dict__["_followup_for"] = activity.done_at
    return True


def _touch_customer(session: Session, followup: FollowUp) -> None:
    """The follow-up moves the customer's last follow-up time; a new lead becomes contacted."""
    at = followup.at or utcnow()
    followup.at = at
    account_id = followup.account_id
    if account_id is None and followup.contact_id is not None:
        account_id = session.get(Contact, followup.contact_id).account_id
    if account_id is None and followup.opportunity_id is not None:
        account_id = session.get(Opportunity, followup.opportunity_id).account_id
    if account_id is not None:
        account = session.get(Account, account_id)
        if account is not None and (account.last_followup_at is None or account.last_followup_at < at):
            account.last_followup_at = at
    if followup.lead_id is not None:
        lead = session.get(Lead, followup.lead_id)
        if lead is not None and lead.status == LeadStatus.NEW:
            lead.status = LeadStatus.CONTACTED


# -- the doors' verbs ----------------------------------------------------------------------------

@dataclass
class NextActivity:
    subject: str = ""
    type: str = ActivityType.CALL
    due_at: dt.datetime | None = None
    remind_at: dt.datetime | None = None

    @property
    def wanted(self) -> bool:
        return bool(self.subject.strip() or self.due_at)


def visible_activity(activity_id: int, user) -> Activity:
    activity = db.session.scalar(
        select(Activity).where(Activity.id == activity_id, visibility_clause(Activity, user))
    )
    if activity is None:
        raise NotFound(_l("This activity does not exist or is not yours to see."))
    return activity


def _clean_outcome(outcome: str | None) -> str:
    text = (outcome or "").strip()
    if not text:
        raise ValidationFailed(_l("Describe the outcome."))
    if len(text) > OUTCOME_MAX:
        raise ValidationFailed(_l("The outcome is too long (at most %(max)s characters).", max=OUTCOME_MAX))
    return text


def _check_next(nxt: NextActivity, now: dt.datetime) -> None:
    if not nxt.subject.strip():
        raise ValidationFailed(_l("Give the next activity a subject."))
    if len(nxt.subject.strip()) > SUBJECT_MAX:
        raise ValidationFailed(_l("The subject is too long (at most %(max)s characters).", max=SUBJECT_MAX))
    if nxt.type not in ActivityType.labels():
        raise ValidationFailed(_l("Choose a type for the next activity."))
    if nxt.due_at is None:
        raise ValidationFailed(_l("Give the next activity a due time."))
    if nxt.due_at < now - dt.timedelta(minutes=5):
        raise ValidationFailed(_l("The next activity cannot be due in the past."))
    if nxt.remind_at is not None and nxt.remind_at > nxt.due_at:
        raise ValidationFailed(_l("The reminder must come before the due time."))


@retry_on_conflict
def complete_activity(activity_id: int, user, outcome: str | None,
                      nxt: NextActivity | None = None) -> tuple[Activity, Activity | None]:
    """Mark an activity done with its outcome (which records a follow-up), and maybe plan the next."""
    activity = visible_activity(activity_id, user)
    if activity.done_at is not None:
        raise ValidationFailed(_l("This activity is already done."))
    text, now = _clean_outcome(outcome), utcnow()
    follow = None
    if nxt is not None and nxt.wanted:
        _check_next(nxt, now)
        follow = Activity(type=nxt.type, subject=nxt.subject.strip(), due_at=nxt.due_at,
                          remind_at=nxt.remind_at, owner_id=user.id,
                          **{f"{name}_id": getattr(activity, f"{name}_id") for name in PARENTS})
        db.session.add(follow)
    activity.outcome, activity.done_at = text, now
    db.session.commit()
    return activity, follow


def visible_parent(entity: str, record_id: int, user):
    model = PARENT_MODEL.get(entity)
    if model is None:
        raise NotFound(_l("This record does not exist or is not yours to see."))
    record = db.session.scalar(select(model).where(model.id == record_id, visibility_clause(model, user)))
    if record is None:
        raise NotFound(_l("This record does not exist or is not yours to see."))
    return record


@retry_on_conflict
def log_followup(entity: str, record_id: int, user, outcome: str | None,
                 kind: str = ActivityType.CALL) -> FollowUp:
    """A quick log of a contact that was not planned as an activity."""
    record = visible_parent(entity, record_id, user)
    if kind not in ActivityType.labels():
        raise ValidationFailed(_l("Choose how you were in touch."))
    followup = FollowUp(type=kind, outcome=_clean_outcome(outcome), at=utcnow(),
                        **{f"{entity}_id": record.id})
    db.session.add(followup)
    db.session.commit()
    return followup


def mine(user):
    """The user's own activities. Every data scope reaches the user's own records, so the scope
    clause adds nothing here — and left in, its OR kept SQLite off the (owner, done, due) index."""
    return Activity.owner_id == user.id


# -- reminders (the bell) ------------------------------------------------------------------------

def _silenced(now: dt.datetime):
    state = ActivityReminder
    return exists().where(
        state.activity_id == Activity.id, state.remind_at == Activity.remind_at,
        or_(state.dismissed_at.is_not(None), state.snoozed_until > now),
    )


def due_reminders_clause(user, now: dt.datetime):
    return and_(mine(user), Activity.done_at.is_(None), Activity.remind_at <= now, ~_silenced(now))


def due_reminders(user, limit: int = 10, now: dt.datetime | None = None) -> tuple[int, list[Activity]]:
    """How many reminders ring for the user now, and the newest of them."""
    now = now or utcnow()
    clause = due_reminders_clause(user, now)
    count = db.session.scalar(select(func.count(Activity.id)).where(clause)) or 0
    items = list(db.session.scalars(
        select(Activity).where(clause).options(*PARENT_EAGER)
        .order_by(Activity.remind_at.desc(), Activity.id.desc()).limit(limit)
    )) if count else []
    return count, items


def upcoming_reminders(user, limit: int = 8, now: dt.datetime | None = None) -> list[Activity]:
    now = now or utcnow()
    return list(db.session.scalars(
        select(Activity).where(mine(user), Activity.done_at.is_(None), Activity.remind_at > now)
        .options(*PARENT_EAGER).order_by(Activity.remind_at).limit(limit)
    ))


def _own_reminder(activity_id: int, user) -> tuple[Activity, ActivityReminder]:
    activity = db.session.scalar(select(Activity).where(
        Activity.id == activity_id, Activity.owner_id == user.id, visibility_clause(Activity, user)))
    if activity is None or activity.remind_at is None:
        raise NotFound(_l("This reminder does not exist or is not yours."))
    state = db.session.get(ActivityReminder, activity.id)
    if state is None:
        state = ActivityReminder(activity_id=activity.id, remind_at=activity.remind_at)
        db.session.add(state)
    if state.remind_at != activity.remind_at:  # a new reminder time starts afresh
        state.remind_at, state.dismissed_at, state.snoozed_until = activity.remind_at, None, None
    return activity, state


@retry_on_conflict
def dismiss_reminder(activity_id: int, user) -> None:
    _activity, state = _own_reminder(activity_id, user)
    state.dismissed_at = utcnow()
    db.session.commit()


@retry_on_conflict
def snooze_reminder(activity_id: int, user, minutes: int) -> dt.datetime:
    if minutes not in SNOOZE_MINUTES:
        raise ValidationFailed(_l("Choose how long to snooze."))
    _activity, state = _own_reminder(activity_id, user)
    state.snoozed_until, state.dismissed_at = utcnow() + dt.timedelta(minutes=minutes), None
    db.session.commit()
    return state.snoozed_until


# -- the to-do inbox and the week ----------------------------------------------------------------

TABS = ("today", "overdue", "upcoming", "done")


def day_bounds(now: dt.datetime, zone) -> tuple[dt.datetime, dt.datetime]:
    """Start and end (naive UTC) of the local day containing `now` (naive UTC)."""
    local = now.replace(tzinfo=dt.UTC).astimezone(zone)
    start = dt.datetime.combine(local.date(), dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return _naive_utc(start), _naive_utc(end)


def _naive_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def tab_clause(tab: str, user, now: dt.datetime, zone):
    start, end = day_bounds(now, zone)
    own = mine(user)
    open_ = Activity.done_at.is_(None)
    return {
        "today": and_(own, open_, Activity.due_at >= start, Activity.due_at < end),
        "overdue": and_(own, open_, Activity.due_at < now),
        "upcoming": and_(own, open_, or_(Activity.due_at >= end, Activity.due_at.is_(None))),
        "done": and_(own, Activity.done_at.is_not(None)),
    }[tab]


def _tab_order(tab: str):
    if tab == "done":
        return (Activity.done_at.desc(), Activity.id.desc())
    if tab == "overdue":
        return (Activity.due_at.desc(), Activity.id)
    return (Activity.due_at.is_(None), Activity.due_at, Activity.id)


def todo_counts(user, zone, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    return {tab: db.session.scalar(select(func.count(Activity.id)).where(tab_clause(tab, user, now, zone)))
            for tab in TABS}


def todo(user, tab: str, zone, limit: int = 50, offset: int = 0,
         now: dt.datetime | None = None) -> list[Activity]:
    if tab not in TABS:
        raise NotFound(_l("There is no such list."))
    now = now or utcnow()
    return list(db.session.scalars(
        select(Activity).where(tab_clause(tab, user, now, zone)).options(*PARENT_EAGER)
        .order_by(*_tab_order(tab)).limit(limit).offset(offset)
    ))


def week(user, first_day: dt.date, zone, limit: int = 500) -> dict[dt.date, list[Activity]]:
    """The user's activities due in the seven local days from `first_day`, by local day."""
    start = _naive_utc(dt.datetime.combine(first_day, dt.time.min, tzinfo=zone))
    end = _naive_utc(dt.datetime.combine(first_day + dt.timedelta(days=7), dt.time.min, tzinfo=zone))
    rows = db.session.scalars(
        select(Activity).where(mine(user), Activity.due_at >= start, Activity.due_at < end)
        .options(*PARENT_EAGER).order_by(Activity.due_at, Activity.id).limit(limit)
    )
    days: dict[dt.date, list[Activity]] = {first_day + dt.timedelta(days=i): [] for i in range(7)}
    for activity in rows:
        local_day = activity.due_at.replace(tzinfo=dt.UTC).astimezone(zone).date()
        days.setdefault(local_day, []).append(activity)
    return days


def is_overdue(activity: Activity, now: dt.datetime | None = None) -> bool:
    return activity.done_at is None and activity.due_at is not None and activity.due_at < (now or utcnow())
