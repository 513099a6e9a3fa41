"""Rewards 奖励机制: points for events, the ledger that explains them, leaderboards and badges.

Points are written only by `award`, which app/services/events.py calls in the transaction that
records the event — the same path for every door — and the ledger's (event, user) pair is unique,
so a retry can never pay twice. A rule with `per_amount` pays `points` for every full
`per_amount` of the record's amount (opportunity won: +1 per ¥10,000, amounts counted as entered).

Who may see what: a leaderboard of names and points is public within the company — every
signed-in user with the Rewards screen sees every user's and department's points, as sales floors
post them on the wall. The ledger lines behind a user's points (which records earned them) are
shown only to that user, to users whose opportunity data scope reaches them, and to admins.
Badges are held while a user's all-time total reaches their threshold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import Badge, CrmEvent, CrmUser, Department, EventKind, PointEntry, PointRule
from app.security.scope import owner_ids, scope_for

from .errors import ValidationFailed
from .periods import Period

# the defaults installed by migration 0012, and by "restore the default rules"
DEFAULT_RULES = (
    (EventKind.LEAD_CONVERTED, 10, None),
    (EventKind.OPPORTUNITY_WON, 1, Decimal("10000")),
    (EventKind.FOLLOWUP_LOGGED, 1, None),
    (EventKind.ACTIVITY_OVERDUE, -2, None),
)


def active_rules() -> dict[str, PointRule]:
    """Active rules that pay something, by event kind."""
    rules = db.session.scalars(select(PointRule).where(PointRule.active.is_(True), PointRule.points != 0))
    return {rule.event: rule for rule in rules}


def points_for(rule: PointRule, record) -> int:
    if rule.per_amount:
        amount = Decimal(str(getattr(record, "amount", 0) or 0))
        return int(amount // Decimal(str(rule.per_amount))) * rule.points
    return rule.points


def award(event_id: int, rule: PointRule, user_id: int, record, at: dt.datetime) -> int:
    """Credit the points of one event (inside events.record's transaction); returns them."""
    from .events import insert_ignore

    points = points_for(rule, record)
    if points == 0:
        return 0
    insert_ignore(PointEntry.__table__, {"user_id": user_id, "event_id": event_id, "rule_id": rule.id,
                                         "points": points, "at": at}, ["event_id", "user_id"])
    return points


def check_rule(event: str, points, per_amount) -> tuple[str, int, Decimal | None]:
    if event not in {str(k) for k in EventKind}:
        raise ValidationFailed(_l("Choose an event."))
    try:
        points = int(points)
    except (TypeError, ValueError):
        raise ValidationFailed(_l("Points must be a whole number.")) from None
    if not -10000 <= points <= 10000:
        raise ValidationFailed(_l("Points must be between -10,000 and 10,000."))
    if per_amount in (None, ""):
        return event, points, None
    try:
        per_amount = Decimal(str(per_amount))
    except ArithmeticError:
        raise ValidationFailed(_l("The amount step must be a number.")) from None
    if per_amount <= 0:
        raise ValidationFailed(_l("The amount step must be more than zero."))
    return event, points, per_amount


def restore_default_rules() -> int:
    """Add the default rules whose events have no rule yet; returns how many were added."""
    have = set(db.session.scalars(select(PointRule.event)))
    added = 0
    for kind, points, per_amount in DEFAULT_RULES:
        if str(kind) not in have:
            db.session.add(PointRule(event=str(kind), points=points, per_amount=per_amount, active=True))
            added += 1
    db.session.commit()
    return added


# -- reading ----------------------------------------------------------------------------------
@dataclass
class Standing:
    rank: int
    id: int
    name: str
    points: int
    badges: list


def _badges() -> list[Badge]:
    return list(db.session.scalars(select(Badge).order_by(Badge.threshold)))


def badges_for(total: int, badges: list[Badge] | None = None) -> list[Badge]:
    return [b for b in (badges if badges is not None else _badges()) if total >= b.threshold]


def totals(user_ids) -> dict[int, int]:
    """All-time points of these users."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(PointEntry.user_id, func.sum(PointEntry.points))
                              .where(PointEntry.user_id.in_(ids)).group_by(PointEntry.user_id)).all()
    return {uid: int(total or 0) for uid, total in rows}


def total(user_id: int) -> int:
    return totals([user_id]).get(user_id, 0)


def leaderboard(period: Period, by: str = "user", department_id: int | None = None,
                limit: int = 50) -> list[Standing]:
    """Points earned in `period`, highest first, by user or by department (with sub-departments
    counted in the department the user belongs to). `department_id` narrows users to one subtree."""
    start, end = period.utc_bounds()
    in_period = (PointEntry.at >= start) & (PointEntry.at < end)
    if by == "department":
        rows = db.session.execute(
            select(Department.id, Department.name, func.sum(PointEntry.points).label("points"))
            .join(CrmUser, CrmUser.department_id == Department.id)
            .join(PointEntry, PointEntry.user_id == CrmUser.id)
            .where(in_period).group_by(Department.id, Department.name)
            .order_by(func.sum(PointEntry.points).desc(), Department.name).limit(limit)
        ).all()
        return [Standing(i + 1, r.id, r.name, int(r.points or 0), []) for i, r in enumerate(rows)]
    query = (select(CrmUser, func.sum(PointEntry.points).label("points"))
             .join(PointEntry, PointEntry.user_id == CrmUser.id).where(in_period)
             .group_by(CrmUser.id).order_by(func.sum(PointEntry.points).desc(), CrmUser.id).limit(limit))
    if department_id:
        path = db.session.get(Department, department_id)
        if path is not None:
            query = query.where(CrmUser.department_id.in_(
                select(Department.id).where(Department.path.like(f"{path.path}%"))))
    rows = db.session.execute(query).all()
    all_time = totals(user.id for user, _points in rows)
    badges = _badges()
    return [Standing(i + 1, user.id, user.display_name, int(points or 0),
                     badges_for(all_time.get(user.id, 0), badges)) for i, (user, points) in enumerate(rows)]


def may_see_ledger(viewer, user_id: int) -> bool:
    if viewer is None:
        return False
    if viewer.id == user_id:
        return True
    reach = owner_ids(viewer, scope_for(viewer, "opportunity"))
    return reach is None or user_id in reach


def ledger(user_id: int, period: Period | None = None, limit: int = 200) -> list[PointEntry]:
    """The lines behind a user's points, newest first (the caller checked `may_see_ledger`)."""
    query = (select(PointEntry).join(CrmEvent, CrmEvent.id == PointEntry.event_id)
             .where(PointEntry.user_id == user_id)
             .order_by(PointEntry.at.desc(), PointEntry.id.desc()).limit(limit))
    if period is not None:
        start, end = period.utc_bounds()
        query = query.where(PointEntry.at >= start, PointEntry.at < end)
    return list(db.session.scalars(query))
