"""Auto-reclaim: neglected accounts go back to the pool, owners are warned first, reruns do nothing."""

import datetime as dt

from sqlalchemy import select

from app.extensions import db
from app.models import Account, History, PoolSettings, utcnow
from app.services.reclaim import due_clause, reclaim, warning_clause
from tests.factories import make_account, make_opportunity, stage


def _rules(**over):
    rules = db.session.get(PoolSettings, 1)
    for key, value in {"auto_reclaim": True, "no_followup_days": 30, "no_won_days": 180,
                       "warning_days": 3, **over}.items():
        setattr(rules, key, value)
    db.session.commit()
    return rules


def _ids(clause):
    return set(db.session.scalars(select(Account.id).where(clause)))


def test_reclaim_rules(app_ctx, users):
    rep = users["Sales Rep"]
    now = utcnow()
    _rules()
    neglected = make_account(owner=rep, last_followup_at=now - dt.timedelta(days=40),
                             created_at=now - dt.timedelta(days=100))
    followed = make_account(owner=rep, last_followup_at=now - dt.timedelta(days=2),
                            created_at=now - dt.timedelta(days=100))
    soon = make_account(owner=rep, last_followup_at=now - dt.timedelta(days=28),
                        created_at=now - dt.timedelta(days=100))
    never_won = make_account(owner=rep, last_followup_at=now, created_at=now - dt.timedelta(days=200))
    recently_won = make_account(owner=rep, last_followup_at=now, created_at=now - dt.timedelta(days=400))
    make_opportunity(account=recently_won, owner=rep, stage_id=stage(won=True).id,
                     closed_at=now - dt.timedelta(days=20))
    pooled = make_account(owner=None, created_at=now - dt.timedelta(days=400))

    assert _ids(due_clause(now)) == {neglected.id, never_won.id}
    assert _ids(warning_clause()) == {soon.id}
    assert reclaim() == 2
    db.session.expire_all()
    assert db.session.get(Account, neglected.id).owner_id is None
    assert db.session.get(Account, neglected.id).released_by_id == rep.id
    assert db.session.get(Account, followed.id).owner_id == rep.id
    assert db.session.get(Account, pooled.id).owner_id is None
    assert db.session.scalars(select(History.action).where(History.record_id == neglected.id,
                                                          History.entity == "account")).all()[-1] == "reclaim"
    assert reclaim() == 0  # idempotent


def test_reclaim_is_off_unless_enabled(app_ctx, users):
    _rules(auto_reclaim=False)
    make_account(owner=users["Sales Rep"], created_at=utcnow() - dt.timedelta(days=400))
    assert reclaim() == 0


def test_cli(app):
    with app.app_context():
        _rules()
    result = app.test_cli_runner().invoke(args=["crm", "pool-reclaim"])
    assert result.exit_code == 0 and "0" in result.output
