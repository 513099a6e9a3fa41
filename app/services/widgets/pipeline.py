"""Pipeline by stage: open opportunities per stage, count and amount, as bars."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import Opportunity, Stage

from .base import SCOPE, Context, Widget
from .kpis import whose


def load(ctx: Context, options: dict) -> dict:
    """Bars by count: amounts in different currencies cannot be added or compared (no exchange rates
    here), so each stage shows its amount per currency, largest first, like the KPI tiles."""
    stages = list(db.session.scalars(
        select(Stage).where(~Stage.is_won, ~Stage.is_lost).order_by(Stage.sort_order, Stage.id)))
    counts: dict[int, int] = {}
    amounts: dict[int, dict[str, Decimal]] = {}
    totals: dict[str, Decimal] = {}
    for stage_id, currency, count, amount in db.session.execute(
        select(Opportunity.stage_id, Opportunity.currency, func.count(Opportunity.id),
               func.coalesce(func.sum(Opportunity.amount), 0))
        .where(whose(Opportunity, ctx, options), Opportunity.stage_id.in_([s.id for s in stages]))
        .group_by(Opportunity.stage_id, Opportunity.currency)):
        counts[stage_id] = counts.get(stage_id, 0) + count
        amounts.setdefault(stage_id, {})[currency] = Decimal(amount)
        totals[currency] = totals.get(currency, Decimal(0)) + Decimal(amount)
    top = max(counts.values(), default=0) or 1
    qf = {"qf": "mine"} if options.get("scope") == "mine" else {}
    bars = [{"label": stage.label, "count": counts.get(stage.id, 0),
             "amounts": _largest_first(amounts.get(stage.id, {})),
             "share": round(100 * counts.get(stage.id, 0) / top, 1),
             "link": ("OpportunityView.list", {**qf, "f_stage": stage.id})}
            for stage in stages]
    return {"bars": bars, "total": sum(counts.values()), "amounts": _largest_first(totals)}


def _largest_first(by_currency: dict[str, Decimal]) -> list[tuple[str, Decimal]]:
    return sorted(by_currency.items(), key=lambda item: (-item[1], item[0]))


WIDGET = Widget(
    key="pipeline",
    title=_l("Pipeline by stage"),
    description=_l("Open opportunities in each stage, by number and amount."),
    load=load,
    size="wide",
    options=(SCOPE,),
    needs=("OpportunityView",),
)
