"""Forecast 销售预测: stage probabilities learned from history, and monthly forecast snapshots.

Learned probability of a stage = of the closed opportunities that were ever at that stage (read
from the history log: every create/update records `stage_id` as [old, new]), the share that was
won. With fewer than MIN_CLOSED closed opportunities the configured probability stands in, and
the forecast says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Float, case, delete, func, insert, select, type_coerce

from app.extensions import db
from app.models import ForecastSnapshot, History, Opportunity, Stage, utcnow
from app.security.scope import visibility_clause

from .fields import Context, in_ids
from .filters import add_months, month_start, today

MIN_CLOSED = 10
HORIZON_MONTHS = 3


@dataclass(frozen=True)
class LearnedProbability:
    stage_id: int
    configured: int
    probability: float  # 0–100, what the learned forecast uses
    closed: int
    won: int

    @property
    def learned(self) -> bool:
        return self.closed >= MIN_CLOSED


def learned_probabilities(user, ctx: Context) -> dict[int, LearnedProbability]:
    """Per open stage; `user=None` means the whole company (snapshots), else the user's scope."""
    reached_stage = History.changes[("stage_id", 1)].as_integer()
    reached = (select(History.record_id.label("opp"), reached_stage.label("stage"))
               .where(History.entity == "opportunity", reached_stage.is_not(None))
               .distinct().subquery())
    closed = in_ids(Opportunity.stage_id, ctx.closed)
    stmt = (select(reached.c.stage, func.count(Opportunity.id),
                   func.count(case((in_ids(Opportunity.stage_id, ctx.won), Opportunity.id))))
            .select_from(reached).join(Opportunity, Opportunity.id == reached.c.opp)
            .where(closed, Opportunity.deleted_at.is_(None))
            .group_by(reached.c.stage))
    if user is not None:
        stmt = stmt.where(visibility_clause(Opportunity, user))
    counts = {stage: (n, won) for stage, n, won in db.session.execute(stmt).all()}
    out = {}
    for stage_id, configured in ctx.probabilities.items():
        if stage_id in ctx.closed:
            continue
        n, won = counts.get(stage_id, (0, 0))
        probability = 100.0 * won / n if n >= MIN_CLOSED else float(configured)
        out[stage_id] = LearnedProbability(stage_id, configured, probability, n, won)
    return out


def stage_names() -> dict[int, str]:
    return {s.id: s.label for s in db.session.scalars(select(Stage).order_by(Stage.sort_order))}


def take_snapshot(ctx: Context, taken: dt.date | None = None) -> int:
    """Store this month's forecast of the next three months per owner and currency (replaces an
    earlier snapshot of the same month). One transaction; returns the number of rows."""
    from .engine import probability_case

    taken_month = month_start(taken or today())
    learned = {s: p.probability for s, p in learned_probabilities(None, ctx).items()}
    starts = [add_months(taken_month, i) for i in range(HORIZON_MONTHS + 1)]
    close = Opportunity.expected_close_date
    month_index = case(*((close < starts[i + 1], i) for i in range(HORIZON_MONTHS)))
    amount = Opportunity.amount
    stmt = (select(month_index.label("m"), Opportunity.owner_id, Opportunity.currency,
                   type_coerce(func.sum(amount), Float),
                   type_coerce(func.sum(amount * probability_case(Opportunity.stage_id, ctx.probabilities)), Float),
                   type_coerce(func.sum(amount * probability_case(Opportunity.stage_id, learned)), Float))
            .where(Opportunity.deleted_at.is_(None), close >= starts[0], close < starts[-1],
                   Opportunity.stage_id.not_in(ctx.closed) if ctx.closed else Opportunity.id.is_not(None))
            .group_by("m", Opportunity.owner_id, Opportunity.currency))
    now = utcnow()
    rows = [{"taken_month": taken_month, "month": starts[m], "owner_id": owner, "currency": currency,
             "amount": _money(a), "weighted_configured": _money(wc), "weighted_learned": _money(wl),
             "taken_at": now}
            for m, owner, currency, a, wc, wl in db.session.execute(stmt).all()]
    try:
        db.session.execute(delete(ForecastSnapshot).where(ForecastSnapshot.taken_month == taken_month))
        if rows:
            db.session.execute(insert(ForecastSnapshot), rows)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(rows)


def _money(value) -> Decimal:
    return Decimal(str(round(value or 0.0, 2)))


def snapshot_job() -> str:
    """The scheduler's daily run (and `flask crm forecast-snapshot`): this month's snapshot."""
    from .engine import load_context

    return f"{take_snapshot(load_context())} forecast rows stored"
