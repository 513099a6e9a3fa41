"""An account's last won deal 最近成交: `Account.last_won_at`, the latest `closed_at` of its won
(`Stage.is_won`), not deleted opportunities — NULL when it has none.

The auto-reclaim rule ("no won deal for N days") and the neglected-customers widget read this column
instead of a subquery over opportunities per account (the manager's home page spent ~260 ms there
at 200,000 accounts).

Who keeps it right: database triggers (migration 0024) on SQLite and PostgreSQL, in the same
transaction as the change. Triggers rather than a SQLAlchemy flush hook (the style of history.py)
because every door that moves an opportunity passes the database but not all pass the ORM's unit
of work: set-based UPDATEs (bulk stage changes, account merge), Core bulk inserts and COPY (demo
loader, fast_insert), raw SQL, and an admin switching a stage's "won" flag, which changes the answer
for thousands of accounts without touching one opportunity row. The triggers react to insert and
delete of an opportunity, and to updates of its stage, close time, account or deletion mark.

The rule is written once more here, in SQLAlchemy, for `rebuild` (after a load that ran without
the triggers; and by the reclaim job on the accounts it is about to take away, so a lost trigger
can never cost a salesperson a customer) and `check` (tests, a suspicious operator).
"""

from __future__ import annotations

import logging

from sqlalchemy import and_, func, select, update

from app.extensions import db
from app.models import Account, Opportunity, Stage

log = logging.getLogger(__name__)


def latest_won():
    """SQL: the latest won close of the account in the enclosing query (correlated)."""
    return (
        select(func.max(Opportunity.closed_at))
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(Opportunity.account_id == Account.id, Opportunity.deleted_at.is_(None), Stage.is_won.is_(True))
        .correlate(Account)
        .scalar_subquery()
    )


def check(limit: int = 20) -> list[int]:
    """Ids of accounts (deleted ones too) whose `last_won_at` differs from their opportunities'."""
    truth = latest_won()
    stmt = (select(Account.id)
            .where(Account.last_won_at.is_distinct_from(truth))
            .order_by(Account.id).limit(limit)
            .execution_options(include_deleted=True))
    return list(db.session.scalars(stmt))


def rebuild(ids: list[int] | None = None) -> int:
    """Recompute `last_won_at` of the accounts `ids` (default: all); returns how many rows were
    wrong. Commits."""
    truth = latest_won()
    wrong = Account.last_won_at.is_distinct_from(truth)
    result = db.session.execute(
        update(Account).where(wrong if ids is None else and_(Account.id.in_(ids), wrong))
        # a derived column: the record was not edited, so its audit stamps stay as they were
        .values(last_won_at=truth, updated_at=Account.updated_at, updated_by_id=Account.updated_by_id)
        .execution_options(synchronize_session=False, include_deleted=True))
    db.session.commit()
    return result.rowcount


def check_job() -> str:
    """Daily (scheduler): the dates equal their opportunities', else they are recomputed and it is logged."""
    wrong = check(limit=5)
    if not wrong:
        return "last won dates exact"
    fixed = rebuild()
    log.warning("account.last_won_at was wrong for %s accounts (first ids %s): recomputed", fixed, wrong)
    return f"recomputed {fixed} accounts"
