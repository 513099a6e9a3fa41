"""Auto-reclaim 自动回收: neglected accounts return to the public pool.

An owned account is due when it has had no follow-up for `no_followup_days`, or no won
opportunity for `no_won_days` (counting from its creation when it never had one). Owners see
the accounts due within `warning_days` before it happens. Applying the rule is idempotent.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select

from app.extensions import db
from app.models import Account, HistoryAction, Opportunity, Stage, utcnow

from .history import label_change
from .pool import settings
from .transactions import retry_on_conflict


def due_clause(at: dt.datetime, rules=None):
    """SQL: owned accounts that are due for reclaim at time `at`."""
    rules = rules or settings()
    followup_cutoff = at - dt.timedelta(days=rules.no_followup_days)
    won_cutoff = at - dt.timedelta(days=rules.no_won_days)
    last_won = (
        select(func.max(Opportunity.closed_at))
        .where(Opportunity.account_id == Account.id,
               Opportunity.stage_id.in_(select(Stage.id).where(Stage.is_won)))
        .correlate(Account)
        .scalar_subquery()
    )
    return and_(
        Account.owner_id.is_not(None),
        or_(
            func.coalesce(Account.last_followup_at, Account.created_at) < followup_cutoff,
            func.coalesce(last_won, Account.created_at) < won_cutoff,
        ),
    )


def warning_clause(rules=None):
    """SQL: accounts that will be reclaimed within the warning period (not yet due)."""
    rules = rules or settings()
    now = utcnow()
    return and_(due_clause(now + dt.timedelta(days=rules.warning_days), rules), ~due_clause(now, rules))


@retry_on_conflict
def reclaim(batch: int = 1000) -> int:
    """Return every due account to the pool; returns how many moved. Safe to run repeatedly."""
    rules = settings()
    if not rules.auto_reclaim:
        return 0
    now, moved = utcnow(), 0
    note = f"> {rules.no_followup_days} / {rules.no_won_days}"
    while True:
        accounts = db.session.scalars(select(Account).where(due_clause(now, rules)).limit(batch)).all()
        if not accounts:
            break
        for account in accounts:
            account.released_by_id, account.released_at = account.owner_id, now
            account.owner_id = None
            label_change(account, HistoryAction.RECLAIM, note)
        db.session.commit()
        moved += len(accounts)
    return moved
