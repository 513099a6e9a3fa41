"""My KPIs: new leads this week, open opportunities and their amount, won this month, customers
followed up this week — mine, or everything the user can see."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from app.extensions import db
from app.models import Account, Lead, Opportunity, Stage
from app.security.scope import visibility_clause

from .base import SCOPE, Context, Widget


def whose(model, ctx: Context, options: dict):
    """Mine (every scope reaches the user's own records; an OR with the scope clause would keep
    SQLite off the owner index), or everything the user's data scope shows."""
    if options.get("scope", "mine") == "mine":
        return model.owner_id == ctx.user.id
    return visibility_clause(model, ctx.user)


def _sums(where) -> tuple[int, list[tuple[str, object]]]:
    """Count, and amount per currency (largest first), of the opportunities matching `where`.

    Grouped by stage and currency, the order of the owner's and of the pipeline's covering indexes,
    so SQLite sums from an index range; grouped by currency alone it preferred scanning a whole
    currency-first index (200 ms instead of 2 ms at 300,000 opportunities)."""
    count, amounts = 0, {}
    for currency, n, amount in db.session.execute(
        select(Opportunity.currency, func.count(Opportunity.id), func.coalesce(func.sum(Opportunity.amount), 0))
        .where(where).group_by(Opportunity.stage_id, Opportunity.currency)
    ):
        count += n
        amounts[currency] = amounts.get(currency, 0) + amount
    return count, sorted(amounts.items(), key=lambda item: item[1], reverse=True)


def load(ctx: Context, options: dict) -> dict:
    mine = options.get("scope") == "mine"
    qf = {"qf": "mine"} if mine else {}
    tiles = []
    if ctx.can("LeadView"):
        new_leads = db.session.scalar(select(func.count(Lead.id)).where(
            whose(Lead, ctx, options), Lead.created_at >= ctx.local_start("week")))
        tiles.append({"key": "new_leads", "label": _l("New leads this week"), "value": new_leads, "amounts": [],
                      "link": ("LeadView.list", {**qf, "_oc_LeadView": "created_at", "_od_LeadView": "desc"})})
    if ctx.can("OpportunityView"):
        # the stage ids as literals: with a subquery SQLite would not sum from the index (100 ms → 2 ms)
        open_stages = list(db.session.scalars(select(Stage.id).where(~Stage.is_won, ~Stage.is_lost)))
        count, amounts = _sums(and_(whose(Opportunity, ctx, options), Opportunity.stage_id.in_(open_stages)))
        tiles.append({"key": "open", "label": _l("Open opportunities"), "value": count, "amounts": amounts,
                      "link": ("OpportunityView.list", qf or {"qf": "open"})})
        won_stages = list(db.session.scalars(select(Stage.id).where(Stage.is_won)))
        count, amounts = _sums(and_(whose(Opportunity, ctx, options), Opportunity.stage_id.in_(won_stages),
                                    Opportunity.closed_at >= ctx.local_start("month")))
        link = {**qf, "f_stage": won_stages[0]} if len(won_stages) == 1 else qf
        tiles.append({"key": "won", "label": _l("Won this month"), "value": count, "amounts": amounts,
                      "link": ("OpportunityView.list", link)})
    if ctx.can("AccountView"):
        followed = db.session.scalar(select(func.count(Account.id)).where(
            whose(Account, ctx, options), Account.last_followup_at >= ctx.local_start("week")))
        tiles.append({"key": "followed_up", "label": _l("Customers followed up this week"), "value": followed, "amounts": [],
                      "link": ("AccountView.list", {**qf, "_oc_AccountView": "last_followup_at",
                                                    "_od_AccountView": "desc"})})
    return {"tiles": tiles}


WIDGET = Widget(
    key="kpis",
    title=_l("My KPIs"),
    description=_l("New leads this week, open opportunities and their amount, won this month, "
                   "customers followed up this week."),
    load=load,
    size="wide",
    options=(SCOPE,),
)
