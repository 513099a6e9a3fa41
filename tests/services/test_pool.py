"""Public pool 公海: claim, release, assign, caps, cooldown — and one winner per contested claim."""

import threading

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import History, HoldingCap, Lead
from app.services import pool
from app.services.errors import CrmError
from tests.factories import make_lead, make_user


@pytest.fixture(autouse=True)
def _english(app_ctx):
    with force_locale("en"):  # outside a request the default language is Chinese
        yield


def _role_id(name):
    from flask import current_app

    return current_app.appbuilder.sm.find_role(name).id


def test_claim_release_and_the_history_they_leave(app_ctx, users):
    rep = users["Sales Rep"]
    lead = make_lead(owner=None)
    outcome = pool.claim("lead", [lead.id], rep)
    assert outcome.done == [lead.id] and not outcome.refused
    assert db.session.get(Lead, lead.id).owner_id == rep.id

    with pytest.raises(CrmError):
        pool.release("lead", [lead.id], rep, "  ")
    assert pool.release("lead", [lead.id], rep, "客户已选择其他供应商").done == [lead.id]
    stored = db.session.get(Lead, lead.id)
    assert stored.owner_id is None and stored.released_by_id == rep.id
    actions = db.session.execute(
        select(History.action, History.note, History.actor_id).where(History.record_id == lead.id)
        .order_by(History.id)).all()
    assert [a for a, _, _ in actions] == ["create", "claim", "release"]
    assert actions[2].note == "客户已选择其他供应商"


def test_refusals_say_why(app_ctx, users):
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    mine = make_lead(owner=rep)
    theirs = make_lead(owner=manager)
    outcome = pool.claim("lead", [mine.id, theirs.id, 999999], rep)
    assert outcome.done == []
    assert str(outcome.refused[mine.id]) == "It is already yours."
    # outside the rep's scope: no data shown, only that it is taken
    assert str(outcome.refused[theirs.id]) == "Someone else has already claimed it."
    assert str(outcome.refused[999999]) == "Not found."


def test_cooldown_after_release(app_ctx, users):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep)
    pool.release("lead", [lead.id], rep, "暂无需求")
    again = pool.claim("lead", [lead.id], rep)
    assert again.done == [] and "less than 7 days" in str(again.refused[lead.id])
    other = make_user("rep_two", "Sales Rep")
    assert pool.claim("lead", [lead.id], other).done == [lead.id]


def test_holding_cap(app_ctx, users):
    rep = users["Sales Rep"]
    db.session.add(HoldingCap(role_id=_role_id("Sales Rep"), entity="lead", cap=2))
    db.session.commit()
    make_lead(owner=rep)
    leads = [make_lead(owner=None) for _ in range(3)]
    outcome = pool.claim("lead", [lead.id for lead in leads], rep)
    assert outcome.done == [leads[0].id]
    assert "the most your role allows (2)" in str(outcome.refused[leads[1].id])


def test_assign(app_ctx, users):
    manager, rep = users["Sales Manager"], users["Sales Rep"]
    lead = make_lead(owner=None)
    outcome = pool.assign("lead", [lead.id], rep.id, manager)
    assert outcome.done == [lead.id]
    assert db.session.get(Lead, lead.id).owner_id == rep.id
    entry = db.session.scalars(select(History).where(History.record_id == lead.id)
                               .order_by(History.id.desc())).first()
    assert entry.action == "assign" and entry.changes["owner_id"] == [None, rep.id]


def test_twenty_simultaneous_claims_have_one_winner(app, app_ctx, users):
    contenders = [make_user(f"claimer{i}", "Sales Rep") for i in range(20)]
    ids = [u.id for u in contenders]
    lead_id = make_lead(owner=None).id  # threads must not touch the test session's objects
    barrier, results, errors = threading.Barrier(len(ids)), {}, []

    def contend(user_id):
        with app.app_context():
            from app.models import CrmUser

            user = db.session.get(CrmUser, user_id)
            _ = list(user.roles)
            db.session.commit()  # give the connection back: 20 threads > the pool's 15
            barrier.wait()
            try:
                results[user_id] = pool.claim("lead", [lead_id], user)
            except Exception as error:  # noqa: BLE001 - any error is a failure of the test
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=contend, args=(uid,)) for uid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    winners = [uid for uid, outcome in results.items() if outcome.done]
    assert len(winners) == 1 and len(results) == 20
    losers = [o for uid, o in results.items() if uid not in winners]
    assert all(str(o.refused[lead_id]) == "Someone else has already claimed it." for o in losers), \
        [str(o.refused[lead_id]) for o in losers]
    db.session.expire_all()
    assert db.session.get(Lead, lead_id).owner_id == winners[0]
    claims = db.session.scalars(select(History).where(History.record_id == lead_id,
                                                      History.action == "claim")).all()
    assert len(claims) == 1
