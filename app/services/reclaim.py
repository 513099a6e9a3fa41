"""Auto-reclaim 自动回收: neglected accounts return to the public pool.

An owned account is due when it has had no follow-up for `no_followup_days`, or no won
opportunity for `no_won_days` (counting from its creation when it never had one). Owners see
the accounts due within `warning_days` before it happens. Applying the rule is idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import and_, func, or_, select

from app.extensions import db
from app.models import Account, HistoryAction, utcnow

from . import last_won
from .history import label_change
from .pool import settings
from .transactions import retry_on_conflict

log = logging.getLogger(__name__)


def due_clause(at: dt.datetime, rules=None):
    """SQL: owned accounts that are due for reclaim at time `at`."""
    rules = rules or settings()
    followup_cutoff = at - dt.timedelta(days=rules.no_followup_days)
    won_cutoff = at - dt.timedelta(days=rules.no_won_days)
    # last_won_at is kept by triggers (app/services/last_won.py): one column of the reclaim index,
    # where a subquery over opportunities per account cost ~260 ms at 200,000 accounts
    return and_(
        Account.owner_id.is_not(None),
        or_(
            func.coalesce(Account.last_followup_at, Account.created_at) < followup_cutoff,
            func.coalesce(Account.last_won_at, Account.created_at) < won_cutoff,
        ),
    )


def warning_clause(rules=None):
    """SQL: accounts that will be reclaimed within the warning period (not yet due).

    That is `due_clause(now + warning) AND NOT due_clause(now)`, written as ranges of a few days
    on either clock (follow-up or creation; last won or creation) so that the two reclaim indexes
    seek them per owner instead of reading every account of a team (manager's home: 60 ms → 1 ms).
    """
    rules = rules or settings()
    now = utcnow()
    ahead = dt.timedelta(days=rules.warning_days)
    f_from = now - dt.timedelta(days=rules.no_followup_days)  # followed up before: due now
    w_from = now - dt.timedelta(days=rules.no_won_days)  # won (or created) before: due now
    f_to, w_to = f_from + ahead, w_from + ahead
    followed, won, created = Account.last_followup_at, Account.last_won_at, Account.created_at
    followup_clock, won_clock = func.coalesce(followed, created), func.coalesce(won, created)
    return and_(
        Account.owner_id.is_not(None),
        or_(
            and_(followed >= f_from, followed < f_to, won_clock >= w_from),
            and_(followed.is_(None), created >= f_from, created < f_to, won_clock >= w_from),
            and_(won >= w_from, won < w_to, followup_clock >= f_from),
            and_(won.is_(None), created >= w_from, created < w_to, followup_clock >= f_from),
        ),
    )


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
        # the rule reads a column kept by triggers: verify it on what is about to move
        if last_won.rebuild([account.id for account in accounts]):
            log.warning("account.last_won_at was out of date; repaired before reclaiming")
            continue
        for account in accounts:
            account.released_by_id, account.released_at = account.owner_id, now
            account.owner_id = None
            label_change(account, HistoryAction.RECLAIM, note)
        db.session.commit()
        moved += len(accounts)
    return moved
