"""The public pool 公海: claim, release, assign and the rules around them.

Every change goes through the ORM, so the history hook records it; `label_change` tells it
what the owner change meant. A claim is race-free: the version counter lets only one of many
simultaneous claims of a record commit, and the losers retry and find it taken.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, CrmUser, HistoryAction, HoldingCap, Lead, PoolSettings, utcnow
from app.security.scope import visibility_clause

from .errors import CrmError
from .history import label_change
from .transactions import retry_on_conflict

POOL_MODELS = {"lead": Lead, "account": Account}


@dataclass
class Outcome:
    """What a bulk pool operation did, record by record."""

    done: list[int] = field(default_factory=list)
    refused: dict[int, object] = field(default_factory=dict)  # id -> translated reason


DEFAULT_SETTINGS = dict(reclaim_cooldown_days=7, auto_reclaim=False, no_followup_days=30,
                        no_won_days=180, warning_days=3)


def settings() -> PoolSettings:
    """The pool's settings (`crm init` creates the row; until then, the defaults)."""
    return db.session.get(PoolSettings, 1) or PoolSettings(id=1, **DEFAULT_SETTINGS)


def ensure_settings() -> None:
    if db.session.get(PoolSettings, 1) is None:
        db.session.add(PoolSettings(id=1, **DEFAULT_SETTINGS))
        db.session.commit()


def holding_cap(user, entity: str) -> int | None:
    """The most records of `entity` the user may hold: the largest cap of their roles; None = no cap."""
    role_ids = [r.id for r in user.roles]
    caps = db.session.scalars(
        select(HoldingCap.cap).where(HoldingCap.role_id.in_(role_ids), HoldingCap.entity == entity)
    ).all()
    capped_roles = len(caps)
    if not caps or capped_roles < len(role_ids):
        return None  # a role without a cap lifts the limit
    return max(caps)


@retry_on_conflict
def claim(entity: str, ids: list[int], user) -> Outcome:
    model, outcome, rules = POOL_MODELS[entity], Outcome(), settings()
    cap = holding_cap(user, entity)
    held = db.session.scalar(select(func.count(model.id)).where(model.owner_id == user.id))
    cooldown_start = utcnow() - dt.timedelta(days=rules.reclaim_cooldown_days)
    for pk in _unique(ids):
        record = _visible(model, pk, user)
        if record is None:
            # taken by someone outside the user's scope a moment ago: say so, show nothing of it
            taken = db.session.scalar(select(model.owner_id).where(model.id == pk)) is not None
            outcome.refused[pk] = _l("Someone else has already claimed it.") if taken else _l("Not found.")
        elif record.owner_id == user.id:
            outcome.refused[pk] = _l("It is already yours.")
        elif record.owner_id is not None:
            outcome.refused[pk] = _l("Someone else has already claimed it.")
        elif record.released_by_id == user.id and record.released_at and record.released_at > cooldown_start:
            outcome.refused[pk] = _l(
                "You returned it to the pool less than %(days)s days ago.", days=rules.reclaim_cooldown_days
            )
        elif cap is not None and held >= cap:
            outcome.refused[pk] = _l("You already hold %(held)s, the most your role allows (%(cap)s).",
                                     held=held, cap=cap)
        else:
            record.owner_id = user.id
            label_change(record, HistoryAction.CLAIM)
            held += 1
            outcome.done.append(pk)
    db.session.commit()
    return outcome


@retry_on_conflict
def release(entity: str, ids: list[int], user, reason: str) -> Outcome:
    """Give records back to the pool (退回公海) with a reason; only records the user may see."""
    reason = (reason or "").strip()
    if not reason:
        raise CrmError(_l("Say why you are returning it to the pool."))
    model, outcome, now = POOL_MODELS[entity], Outcome(), utcnow()
    for pk in _unique(ids):
        record = _visible(model, pk, user)
        if record is None:
            outcome.refused[pk] = _l("Not found.")
        elif record.owner_id is None:
            outcome.refused[pk] = _l("It is already in the pool.")
        else:
            record.released_by_id, record.released_at = record.owner_id, now
            record.owner_id = None
            label_change(record, HistoryAction.RELEASE, reason[:500])
            outcome.done.append(pk)
    db.session.commit()
    return outcome


@retry_on_conflict
def assign(entity: str, ids: list[int], to_user_id: int, by_user) -> Outcome:
    """分配: give pool records (or records in the assigner's scope) to a user."""
    receiver = db.session.get(CrmUser, to_user_id)
    if receiver is None or not receiver.active:
        raise CrmError(_l("Choose an active user to assign to."))
    model, outcome = POOL_MODELS[entity], Outcome()
    for pk in _unique(ids):
        record = _visible(model, pk, by_user)
        if record is None:
            outcome.refused[pk] = _l("Not found.")
        elif record.owner_id == receiver.id:
            outcome.refused[pk] = _l("It already belongs to %(name)s.", name=receiver.display_name)
        else:
            record.owner_id = receiver.id
            label_change(record, HistoryAction.ASSIGN, f"→ {receiver.display_name}")
            outcome.done.append(pk)
    db.session.commit()
    return outcome


def _visible(model, pk: int, user):
    return db.session.scalars(select(model).where(model.id == pk, visibility_clause(model, user))).first()


def _unique(ids) -> list[int]:
    seen, out = set(), []
    for raw in ids:
        pk = int(raw)
        if pk not in seen:
            seen.add(pk)
            out.append(pk)
    return out
