"""A plain pandas computation of a chart, independent of the SQL engine: load every row, filter
in Python by a hand-written scope predicate, group with pandas. Only for small test data."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select

from app.extensions import db
from app.models import Account, Activity, CrmUser, Lead, Opportunity, Stage

TZ = ZoneInfo("Asia/Shanghai")
MODELS = {"lead": Lead, "opportunity": Opportunity, "account": Account, "activity": Activity}


def frame(entity: str) -> pd.DataFrame:
    model = MODELS[entity]
    rows = db.session.execute(select(model.__table__)).mappings().all()
    return pd.DataFrame([dict(r) for r in rows])


def visible_owners(user, role: str) -> set | None:
    """The reference rule: reps see themselves, managers their department, others everybody."""
    if role == "Sales Rep":
        return {user.id}
    if role == "Sales Manager":
        return {u.id for u in db.session.scalars(select(CrmUser)) if u.department_id == user.department_id}
    return None


def local(ts):
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).to_pydatetime().replace(tzinfo=dt.UTC).astimezone(TZ)


def local_date(value):
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return local(value).date()
    return value


def stages():
    rows = db.session.scalars(select(Stage)).all()
    return ({s.id: s.probability for s in rows}, {s.id for s in rows if s.is_won},
            {s.id for s in rows if s.is_lost})


def conditions(now: dt.datetime):
    prob, won, lost = stages()
    opp = frame("opportunity")
    won_opps = set(opp[opp.stage_id.isin(won) & opp.deleted_at.isna()].id) if len(opp) else set()
    return {
        "lead": {
            "qualified": lambda r: r.status in ("qualified", "converted"),
            "converted": lambda r: r.status == "converted",
            "with_opportunity": lambda r: not pd.isna(r.converted_opportunity_id),
            "won": lambda r: (not pd.isna(r.converted_opportunity_id)) and int(r.converted_opportunity_id) in won_opps,
        },
        "opportunity": {
            "open": lambda r: r.stage_id not in won | lost,
            "won": lambda r: r.stage_id in won,
            "lost": lambda r: r.stage_id in lost,
            "closed": lambda r: r.stage_id in won | lost,
        },
        "account": {
            "neglected": lambda r: r.last_followup_at is None or pd.isna(r.last_followup_at)
            or pd.Timestamp(r.last_followup_at) < pd.Timestamp(now - dt.timedelta(days=30)),
        },
        "activity": {
            "done": lambda r: not pd.isna(r.done_at),
            "open": lambda r: pd.isna(r.done_at),
            "overdue": lambda r: pd.isna(r.done_at) and pd.Timestamp(r.due_at) < pd.Timestamp(now),
        },
    }


def bucket_of(value, bucket: str) -> str | None:
    day = local_date(value)
    if day is None:
        return None
    if bucket == "month":
        return f"{day.year}-{day.month:02d}"
    if bucket == "quarter":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    return (day - dt.timedelta(days=day.weekday())).isoformat()


def compute(spec, user, role: str, span, now, currency="CNY") -> dict:
    """{category key: [measure values…]} for a grouped spec; {"total": [...]} otherwise."""
    df = frame(spec.entity)
    if not len(df):
        return {}
    df = df[df.deleted_at.isna()]
    owners = visible_owners(user, role)
    if owners is not None:
        df = df[df.owner_id.isna() | df.owner_id.isin(owners)]
    conds = conditions(now)[spec.entity]
    for name in spec.filters:
        df = df[df.apply(conds[name], axis=1)] if len(df) else df
    date_field = spec.group_by if spec.is_date_group else spec.date_field
    if span is not None and date_field:
        days = df[date_field].map(local_date)
        df = df[days.map(lambda d: d is not None and span[0] <= d < span[1])]
    if spec.entity == "opportunity":
        df = df[df.currency == currency]
    prob, _won, _lost = stages()
    out_cols = []
    df = df.copy()
    for i, m in enumerate(spec.measures):
        kind, fld, cond = (m.split(":") + ["", ""])[:3]
        mask = df.apply(conds[cond], axis=1) if cond and len(df) else pd.Series(True, index=df.index)
        col = f"m{i}"
        if kind == "count":
            df[col] = mask.astype(int)
        elif kind == "weighted":
            df[col] = df.amount.astype(float) * df.stage_id.map(prob).fillna(0) / 100 * mask
        else:
            df[col] = df[fld].astype(float).where(mask)
        out_cols.append((col, kind))
    if spec.group_by is None:
        return {"total": [_agg(df[c], k) for c, k in out_cols]}
    if spec.is_date_group:
        keys = df[spec.group_by].map(lambda v: bucket_of(v, spec.bucket))
    elif spec.group_by == "department":
        depts = {u.id: u.department_id for u in db.session.scalars(select(CrmUser))}
        keys = df.owner_id.map(lambda o: None if pd.isna(o) else depts.get(int(o)))
    elif spec.entity == "opportunity" and spec.group_by in ("source", "channel"):
        leads = frame("lead").set_index("id")
        column = "source_id" if spec.group_by == "source" else "channel"
        keys = df.source_lead_id.map(lambda i: None if pd.isna(i) else leads.loc[int(i), column])
    else:
        column = {"stage": "stage_id", "source": "source_id", "owner": "owner_id",
                  "lost_reason": "lost_reason_id"}.get(spec.group_by, spec.group_by)
        keys = df[column]
    df["k"] = keys.map(lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v)) else
                       (int(v) if isinstance(v, float) else v))
    out = {}
    for key, group in df.groupby("k", dropna=False):
        key = None if not isinstance(key, str) and pd.isna(key) else key
        out[key] = [_agg(group[c], k) for c, k in out_cols]
    return out


def _agg(series, kind):
    if kind == "avg":
        return float(series.mean()) if series.notna().any() else 0
    return float(series.sum())
