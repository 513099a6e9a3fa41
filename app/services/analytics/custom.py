"""The few charts that are not one GROUP BY of one entity; still SQL aggregates, still scoped."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, false, func, or_, select, true, type_coerce

from app.extensions import db
from app.models import Account, CrmUser, ForecastSnapshot, Opportunity
from app.security.scope import owner_ids, scope_for

from .engine import ChartData, base_drill, bucket_expr, plan, where_clauses
from .fields import OPPORTUNITY, Context
from .filters import Filters, add_months, bucket_label, month_start, today, zone
from .forecast import MIN_CLOSED, learned_probabilities, stage_names
from .spec import ChartSpec

DETAIL_ROWS = 100
ACCURACY_MONTHS = 6


def stage_probabilities(spec: ChartSpec, filters: Filters, user, ctx: Context) -> ChartData:
    """Configured vs learned probability per open stage, with how many closed deals taught it."""
    names = stage_names()
    learned = learned_probabilities(user, ctx)
    data = ChartData(spec.key, str(spec.title), "table", "opportunity", currency=filters.currency,
                     note=str(_l("Learned: share won among closed opportunities that were ever at the "
                                 "stage (history log). With fewer than %(n)s closed, the configured "
                                 "probability is used.", n=MIN_CLOSED)), width=spec.width)
    data.columns = [{"key": "stage", "label": str(_l("Stage")), "format": "text"},
                    {"key": "configured", "label": str(_l("Configured probability")), "format": "percent"},
                    {"key": "learned", "label": str(_l("Learned probability")), "format": "percent"},
                    {"key": "closed", "label": str(_l("Closed opportunities")), "format": "number"},
                    {"key": "used", "label": str(_l("Learned forecast uses")), "format": "text"}]
    for stage_id in sorted(learned, key=lambda s: ctx.stage_order.get(s, 0)):
        p = learned[stage_id]
        data.rows.append({"stage": names.get(stage_id, stage_id), "configured": p.configured / 100,
                          "learned": (p.won / p.closed) if p.closed else None, "closed": p.closed,
                          "used": str(_l("learned") if p.learned else _l("configured (too little history)"))})
    return data


def snapshot_scope(user):
    if user is None:
        return false()
    ids = owner_ids(user, scope_for(user, "opportunity"))
    if ids is None:
        return true()
    return or_(ForecastSnapshot.owner_id.in_(ids), ForecastSnapshot.owner_id.is_(None))


def forecast_accuracy(spec: ChartSpec, filters: Filters, user, ctx: Context) -> ChartData:
    """Past months: what the snapshot taken the month before forecast, next to what was won."""
    this_month = month_start(today())
    starts = [add_months(this_month, -ACCURACY_MONTHS + i) for i in range(ACCURACY_MONTHS)]
    span = (starts[0], this_month)
    snap = (select(ForecastSnapshot.month, type_coerce(func.sum(ForecastSnapshot.weighted_configured), Float),
                   type_coerce(func.sum(ForecastSnapshot.weighted_learned), Float))
            .where(ForecastSnapshot.month >= starts[0], ForecastSnapshot.month < this_month,
                   ForecastSnapshot.currency == filters.currency, snapshot_scope(user))
            .group_by(ForecastSnapshot.month, ForecastSnapshot.taken_month)
            .add_columns(ForecastSnapshot.taken_month))
    if filters.owner == "pool":
        snap = snap.where(ForecastSnapshot.owner_id.is_(None))
    elif filters.owner_id:
        snap = snap.where(ForecastSnapshot.owner_id == filters.owner_id)
    if filters.department_id:
        from .engine import department_owner_ids

        snap = snap.where(ForecastSnapshot.owner_id.in_(department_owner_ids(filters.department_id)))
    forecast = {}
    for month, configured, learned, taken in db.session.execute(snap).all():
        if taken == add_months(month, -1):  # the forecast made one month ahead
            forecast[month] = (configured or 0.0, learned or 0.0)
    won_spec = ChartSpec(spec.key, spec.title, "opportunity", group_by="closed_at", bucket="month",
                         measures=("sum:amount",), filters=("won",), window="none")
    clauses = where_clauses(OPPORTUNITY, user, ctx, filters=filters, conditions=("won",),
                            date_field="closed_at", span=span)
    key = bucket_expr(Opportunity.closed_at, starts)
    actual = dict(db.session.execute(select(key, type_coerce(func.sum(Opportunity.amount), Float))
                                     .where(*clauses).group_by(key)).all())
    data = ChartData(spec.key, str(spec.title), "bar", "opportunity", currency=filters.currency,
                     note=str(spec.note or ""), width=spec.width)
    drill = base_drill(won_spec, filters, plan(won_spec, filters, user, ctx))
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else this_month
        data.categories.append({"value": start.isoformat(), "label": bucket_label(start, "month"),
                                "drill": {**drill, "a_date": "closed_at", "a_from": start.isoformat(),
                                          "a_to": end.isoformat()}})
    data.series = [
        {"key": "forecast_configured", "label": str(_l("Forecast (configured probabilities)")),
         "format": "money", "values": [forecast.get(s, (None, None))[0] for s in starts]},
        {"key": "forecast_learned", "label": str(_l("Forecast (learned probabilities)")),
         "format": "money", "values": [forecast.get(s, (None, None))[1] for s in starts]},
        {"key": "actual", "label": str(_l("Actually won")), "format": "money",
         "values": [actual.get(i) or 0 for i in range(len(starts))]},
    ]
    if not forecast:
        data.note = str(_l("No forecast snapshots yet: the scheduler stores the month's forecast daily "
                           "(or run: flask crm forecast-snapshot); the comparison fills from then on."))
    return data


def won_detail(spec: ChartSpec, filters: Filters, user, ctx: Context) -> ChartData:
    """The won opportunities behind the revenue bars (newest first, at most DETAIL_ROWS)."""
    span = filters.bounds()
    clauses = where_clauses(OPPORTUNITY, user, ctx, filters=filters, conditions=("won",),
                            date_field="closed_at", span=span)
    stmt = (select(Opportunity.id, Opportunity.name, Account.name, CrmUser.id, Opportunity.amount,
                   Opportunity.closed_at)
            .join(Account, Account.id == Opportunity.account_id)
            .outerjoin(CrmUser, CrmUser.id == Opportunity.owner_id)
            .where(*clauses).order_by(Opportunity.closed_at.desc(), Opportunity.id.desc()).limit(DETAIL_ROWS))
    rows = db.session.execute(stmt).all()
    users = {u.id: u.display_name for u in db.session.scalars(
        select(CrmUser).where(CrmUser.id.in_({r[3] for r in rows if r[3]})))} if rows else {}
    data = ChartData(spec.key, str(spec.title), "table", "opportunity", currency=filters.currency,
                     note=str(_l("The newest %(n)s won opportunities of the period.", n=DETAIL_ROWS)),
                     width=spec.width)
    data.columns = [{"key": "name", "label": str(_l("Opportunity")), "format": "link"},
                    {"key": "account", "label": str(_l("Account")), "format": "text"},
                    {"key": "owner", "label": str(_l("Owner")), "format": "text"},
                    {"key": "closed", "label": str(_l("Closed on")), "format": "date"},
                    {"key": "amount", "label": str(_l("Amount")), "format": "money"}]
    for oid, name, account, owner, amount, closed in rows:
        local = closed.replace(tzinfo=dt.UTC).astimezone(zone()) if closed else None
        data.rows.append({"id": oid, "name": name, "account": account, "owner": users.get(owner, ""),
                          "closed": local.date().isoformat() if local else "",
                          "amount": float(amount or 0)})
    return data


def target_period(filters: Filters):
    """Targets are set per month or quarter: this month for "this month", else this quarter (for a
    custom period: the quarter it starts in)."""
    from app.services.periods import Period

    if filters.period == "month":
        return Period.containing_date("month", today())
    if filters.period == "custom" and filters.start is not None:
        return Period.containing_date("quarter", filters.start)
    return Period.containing_date("quarter", today())


def targets_vs_actual(spec: ChartSpec, filters: Filters, user, ctx: Context) -> ChartData:
    """Won amount of each department and person against their sales target 业绩目标 (the targets the
    viewer may see, app/services/targets.py), in the dashboard's currency."""
    from app.services.targets import targets_for

    period = target_period(filters)
    rows = [p for p in targets_for(user, period) if p.currency == filters.currency]
    data = ChartData(spec.key, str(spec.title), "bar", "opportunity", currency=filters.currency,
                     note=str(_l("Targets of %(period)s (targets are set per month or quarter). Won amount: "
                                 "opportunities won in that period, owned by the person or the department.",
                                 period=str(period))), width=spec.width)
    if not rows:
        data.note = str(_l("No sales targets for %(period)s in this currency.", period=str(period)))
    start = period.first_day()
    end = period.next().first_day()
    drill = {"a_e": "opportunity", "a_cond": "won", "a_date": "closed_at", "a_from": start.isoformat(),
             "a_to": end.isoformat(), "a_cur": filters.currency}
    for p in rows:
        target = p.target
        if target.user_id is not None:
            link = {**drill, "a_dim": "owner", "a_val": target.user_id}
        else:
            link = {**drill, "a_dept": target.department_id}
        data.categories.append({"value": f"{'u' if target.user_id else 'd'}{target.user_id or target.department_id}",
                                "label": str(target.subject), "drill": link})
    data.series = [
        {"key": "won", "label": str(_l("Won amount")), "format": "money",
         "values": [float(p.won_amount) for p in rows]},
        {"key": "target", "label": str(_l("Target")), "format": "money",
         "values": [float(p.target_amount or 0) for p in rows]},
        {"key": "achieved", "label": str(_l("Achieved")), "format": "percent",
         "values": [float(p.won_amount / p.target_amount) if p.target_amount else None for p in rows]},
    ]
    return data


CUSTOM = {"stage_probabilities": stage_probabilities, "forecast_accuracy": forecast_accuracy,
          "won_detail": won_detail, "targets_vs_actual": targets_vs_actual}
