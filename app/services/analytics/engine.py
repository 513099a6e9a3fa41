"""Runs a ChartSpec as ONE SQL aggregate inside the user's data scope; pandas never sees raw rows.

The WHERE clause is built by `where_clauses`, which the drill-down list (app/services/analytics/
drill.py) reuses, so clicking a bar lists exactly the rows the bar counted.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Float, String, and_, case, func, or_, select, type_coerce

from app.extensions import db
from app.models import CrmUser, Department, Stage, utcnow
from app.security.scope import visibility_clause
from app.services.errors import ValidationFailed

from .fields import NONE, Context, Entity, in_ids
from .filters import Filters, add_months, bucket_label, bucket_starts, month_start, to_utc, today
from .spec import ChartSpec, Measure


@dataclass
class ChartData:
    key: str
    title: str
    chart: str
    entity: str
    categories: list[dict] = field(default_factory=list)  # {value, label, drill}
    series: list[dict] = field(default_factory=list)  # {key, label, values, format: number|money|percent}
    currency: str = "CNY"
    note: str = ""
    columns: list[dict] = field(default_factory=list)  # for table-only charts: {key, label, format}
    rows: list[dict] = field(default_factory=list)
    width: int = 6
    sql_ms: float = 0.0
    error: str = ""  # the chart could not run for this viewer (translated reason); no data then

    def to_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "chart": self.chart, "entity": self.entity,
                "categories": self.categories, "series": self.series, "currency": self.currency,
                "note": self.note, "columns": self.columns, "rows": self.rows, "width": self.width,
                "error": self.error}

    @property
    def is_empty(self) -> bool:
        if self.rows:
            return False
        return not any(any(v for v in s["values"]) for s in self.series)


def load_context(user=None, learned: bool = False, rollups: bool = True) -> Context:
    """`rollups=False` forces the plain aggregate over the base tables (tests, benchmark)."""
    from .rollup import state_offset

    rows = db.session.execute(select(Stage.id, Stage.probability, Stage.is_won, Stage.is_lost,
                                     Stage.sort_order)).all()
    ctx = Context(probabilities={r.id: r.probability for r in rows},
                  won=tuple(r.id for r in rows if r.is_won), lost=tuple(r.id for r in rows if r.is_lost),
                  stage_order={r.id: r.sort_order for r in rows}, now=utcnow(),
                  rollup_offset=state_offset() if rollups else None)
    if learned:
        from .forecast import learned_probabilities

        ctx.learned = {stage: p.probability for stage, p in learned_probabilities(user, ctx).items()}
    return ctx


# -- time windows ---------------------------------------------------------------------------------

def year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def window(spec: ChartSpec, filters: Filters) -> tuple[dt.date, dt.date] | None:
    if spec.window == "none" and not spec.is_date_group:
        return None
    if spec.window == "next3":
        start = month_start(today())
        return start, add_months(start, 3)
    return filters.bounds()


def date_column(entity: Entity, name: str):
    if name in entity.date_exprs:  # a custom date field: its stored "YYYY-MM-DD" text
        return entity.date_exprs[name]()
    return getattr(entity.model, name)


def _is_date_only(column) -> bool:
    return isinstance(column.type, Date)


def bound(column, day: dt.date):
    """The bound as the column stores it: a date, naive UTC of local midnight, or ISO text."""
    if isinstance(column.type, String):
        return day.isoformat()
    return day if _is_date_only(column) else to_utc(day)


def date_range(column, start: dt.date, end: dt.date) -> list:
    return [column >= bound(column, start), column < bound(column, end)]


def bucket_expr(column, starts: list[dt.date]):
    """Index of the bucket a row falls in: a balanced CASE over the bucket starts (log2 n tests)."""

    def build(lo: int, hi: int):
        if hi - lo == 1:
            return lo
        mid = (lo + hi) // 2
        return case((column < bound(column, starts[mid]), build(lo, mid)), else_=build(mid, hi))

    expr = build(0, len(starts))
    return expr if not isinstance(expr, int) else case((column.is_not(None), expr))


# -- WHERE ----------------------------------------------------------------------------------------

def department_owner_ids(department_id: int):
    path = db.session.scalar(select(Department.path).where(Department.id == department_id))
    if path is None:
        return select(CrmUser.id).where(False)
    subtree = select(Department.id).where(Department.path.like(f"{path}%"))
    return select(CrmUser.id).where(CrmUser.department_id.in_(subtree))


def where_clauses(entity: Entity, user, ctx: Context, *, filters: Filters | None = None,
                  conditions=(), date_field: str | None = None, span=None) -> list:
    """Scope + live rows + named conditions + period + dashboard filters, as a list of clauses."""
    model = entity.model
    clauses = [model.deleted_at.is_(None)]
    scope = visibility_clause(model, user)
    clauses.append(scope)
    clauses += [entity.conditions[c].clause(ctx) for c in conditions]
    if date_field and span is not None:
        clauses += date_range(date_column(entity, date_field), *span)
    if filters is not None:
        if filters.owner == "pool":
            clauses.append(model.owner_id.is_(None))
        elif filters.owner_id is not None:
            clauses.append(model.owner_id == filters.owner_id)
        if filters.department_id:
            clauses.append(model.owner_id.in_(department_owner_ids(filters.department_id)))
        if filters.channel and entity.channel is not None:
            clauses.append(entity.channel(filters.channel))
        if entity.money:
            clauses.append(model.currency == filters.currency)
    return clauses


# -- measures -------------------------------------------------------------------------------------

def probability_case(column, probabilities: dict[int, float]):
    whens = {stage: p / 100.0 for stage, p in probabilities.items() if p}
    return case(whens, value=column, else_=0.0) if whens else 0.0


def measure_expr(measure: Measure, entity: Entity, ctx: Context):
    model = entity.model
    cond = entity.conditions[measure.condition].clause(ctx) if measure.condition else None
    if measure.kind == "count":
        expr = func.count(model.id) if cond is None else func.count(case((cond, model.id)))
        return expr
    value = getattr(model, measure.field)
    if measure.kind == "weighted":
        value = value * probability_case(model.stage_id, ctx.probabilities)
    elif measure.kind == "learned":
        value = value * probability_case(model.stage_id, ctx.learned or ctx.probabilities)
    if cond is not None:
        value = case((cond, value))
    agg = func.avg(value) if measure.kind == "avg" else func.sum(value)
    return type_coerce(agg, Float)


# -- the query ------------------------------------------------------------------------------------

@dataclass
class Plan:
    """The single SELECT of a chart, and how to read its rows back."""

    statement: object
    measures: list[Measure]
    starts: list[dt.date] | None  # date buckets
    span: tuple[dt.date, dt.date] | None
    date_field: str | None
    previous: bool = False
    extra: dict = field(default_factory=dict)  # measure index -> base-table query (rollup plans)
    source: str = ""  # the summary table read instead of the entity's table, if any


def unordered(key, entity: Entity):
    """SQLite walks an index in GROUP BY order (say owner_id's) and looks up every row of the table
    rather than reading a covering index and sorting the few groups (opportunities by owner: 0.38 s
    instead of 0.09 s). Wrapping the key in ifnull(key, NULL), the same value, hides that order."""
    if entity.key == "opportunity" and db.engine.dialect.name == "sqlite":
        return func.ifnull(key, None)
    return key


def plan(spec: ChartSpec, filters: Filters, user, ctx: Context) -> Plan:
    entity = spec.entity_def
    measures = spec.parsed_measures()
    span = window(spec, filters)
    date_field = spec.group_by if spec.is_date_group else spec.date_field
    previous = spec.window == "compare_year" and span is not None
    clauses = where_clauses(entity, user, ctx, filters=filters, conditions=spec.filters,
                            date_field=date_field if span is not None and not previous else None,
                            span=span)
    if previous:  # this period OR the same period a year earlier, nothing in between
        column = date_column(entity, date_field)
        clauses.append(or_(and_(*date_range(column, *span)),
                           and_(*date_range(column, year_earlier(span[0]), year_earlier(span[1])))))
    columns = [measure_expr(m, entity, ctx).label(f"m{i}") for i, m in enumerate(measures)]
    starts = None
    if spec.group_by is None:
        stmt = select(*columns)
    else:
        if spec.is_date_group:
            starts = bucket_starts(*span, spec.bucket)
            if spec.window == "compare_year":
                starts = [year_earlier(d) for d in starts] + starts
            key = bucket_expr(date_column(entity, spec.group_by), starts)
            stmt = select(key.label("k"), *columns)
        else:
            dimension = entity.dimensions[spec.group_by]
            key = unordered(dimension.expr(), entity)
            stmt = select(key.label("k"), *columns).select_from(entity.model)
            if dimension.join is not None:
                stmt = dimension.join(stmt)
        stmt = stmt.group_by(key)
    stmt = stmt.select_from(entity.model).where(*clauses)
    return Plan(stmt, measures, starts, span, date_field, previous)


def run_chart(spec: ChartSpec, filters: Filters, user, ctx: Context | None = None) -> ChartData:
    if spec.uses_custom_fields:  # whoever built the spec, the viewer's own custom-field rights decide
        try:
            spec = spec.for_user(user).validate()
        except ValidationFailed as error:
            spec = replace(spec, error=error.message)
    if spec.error is not None:
        return ChartData(spec.key, str(spec.title), "table", spec.entity, currency=filters.currency,
                         width=spec.width, error=str(spec.error))
    if spec.custom:
        from .custom import CUSTOM

        return CUSTOM[spec.custom](spec, filters, user, ctx or load_context(user, learned=True))
    needs_learned = any(m.split(":")[0] == "learned" for m in spec.measures)
    if ctx is None or (needs_learned and ctx.learned is None):
        ctx = ctx or load_context(user)
        if needs_learned:
            from .forecast import learned_probabilities

            ctx.learned = {s: p.probability for s, p in learned_probabilities(user, ctx).items()}
    from .rollup import execute, rollup_plan

    p = rollup_plan(spec, filters, user, ctx) or plan(spec, filters, user, ctx)
    started = time.perf_counter()
    rows = execute(p, spec.group_by is not None)
    elapsed = (time.perf_counter() - started) * 1000
    data = shape(spec, filters, p, rows)
    data.sql_ms = elapsed
    return data


# -- shaping the aggregated rows --------------------------------------------------------------------

def _format(measure: Measure) -> str:
    return "money" if measure.is_money else "number"


def base_drill(spec: ChartSpec, filters: Filters, p: Plan) -> dict:
    args: dict = {"a_e": spec.entity}
    if spec.filters:
        args["a_cond"] = ",".join(spec.filters)
    if p.span is not None and p.date_field:
        args.update(a_date=p.date_field, a_from=p.span[0].isoformat(), a_to=p.span[1].isoformat())
    if filters.owner:
        args["a_owner"] = filters.owner
    if filters.department_id:
        args["a_dept"] = filters.department_id
    if filters.channel and spec.entity_def.channel is not None:
        args["a_channel"] = filters.channel
    if spec.entity_def.money:
        args["a_cur"] = filters.currency
    return args


def shape(spec: ChartSpec, filters: Filters, p: Plan, rows) -> ChartData:
    entity = spec.entity_def
    data = ChartData(spec.key, str(spec.title), spec.chart, spec.entity, currency=filters.currency,
                     note=str(spec.note or ""), width=spec.width)
    drill = base_drill(spec, filters, p)
    measures = p.measures
    if spec.group_by is None:
        values = list(rows[0]) if rows else [0] * len(measures)
        if spec.chart == "funnel":  # one category per measure: the funnel's steps
            conds = spec.filters
            for m in measures:
                step = dict(drill)
                if m.condition:
                    step["a_cond"] = ",".join((*conds, m.condition))
                data.categories.append({"value": m.key, "label": str(m.title(entity)), "drill": step})
            data.series.append({"key": "value", "label": str(_l("Count")), "format": "number",
                                "values": [v or 0 for v in values]})
            first = values[0] or 0
            data.series.append({"key": "rate", "label": str(_l("Of the first step")), "format": "percent",
                                "values": [(v or 0) / first if first else None for v in values]})
            return data
        data.categories.append({"value": "total", "label": str(_l("Total")), "drill": drill})
        for m, v in zip(measures, values, strict=True):
            data.series.append({"key": m.key, "label": str(m.title(entity)), "format": _format(m),
                                "values": [v or 0]})
        return _add_ratios(spec, data)
    by_key = {row[0]: list(row[1:]) for row in rows}
    if p.starts is not None:
        return _shape_buckets(spec, data, p, by_key, drill)
    dimension = entity.dimensions[spec.group_by]
    keys = list(by_key)
    labels = dimension.labels(keys) if dimension.labels else {}
    if dimension.order is not None:
        keys = dimension.order(keys)
    else:
        keys.sort(key=lambda k: -(by_key[k][0] or 0))
    if spec.limit:
        keys = keys[: spec.limit]
    none_label = _l("Public pool") if spec.group_by == "owner" else _l("(none)")
    for k in keys:
        label = labels.get(k, k) if k is not None else none_label
        data.categories.append({"value": NONE if k is None else k, "label": str(label),
                                "drill": {**drill, "a_dim": spec.group_by,
                                          "a_val": NONE if k is None else k}})
    for i, m in enumerate(measures):
        data.series.append({"key": m.key, "label": str(m.title(entity)), "format": _format(m),
                            "values": [by_key[k][i] or 0 for k in keys]})
    return _add_ratios(spec, data)


def _shape_buckets(spec, data, p: Plan, by_key, drill) -> ChartData:
    starts = p.starts
    n = len(starts) // 2 if p.previous else len(starts)
    current = starts[-n:]
    offset = len(starts) - n
    for j, start in enumerate(current):
        i = offset + j
        lo = max(start, p.span[0])
        hi = min(starts[i + 1] if i + 1 < len(starts) else p.span[1], p.span[1])
        data.categories.append({"value": start.isoformat(), "label": bucket_label(start, spec.bucket),
                                "drill": {**drill, "a_date": p.date_field, "a_from": lo.isoformat(),
                                          "a_to": hi.isoformat()}})
    entity = spec.entity_def
    for m_index, m in enumerate(p.measures):
        data.series.append({"key": m.key, "label": str(m.title(entity)), "format": _format(m),
                            "values": [(by_key.get(offset + j) or [0] * len(p.measures))[m_index] or 0
                                       for j in range(n)]})
        if p.previous:
            data.series[-1]["label"] = str(_l("This period"))
            data.series.append({"key": f"{m.key}:previous", "label": str(_l("Previous year")),
                                "format": _format(m), "values": [(by_key.get(j) or [0] * len(p.measures))
                                                                 [m_index] or 0 for j in range(n)]})
    return _add_ratios(spec, data)


def _add_ratios(spec: ChartSpec, data: ChartData) -> ChartData:
    by_key = {s["key"]: s["values"] for s in data.series}
    for ratio in spec.ratios:
        num, den = by_key[ratio.numerator], by_key[ratio.denominator]
        data.series.append({"key": ratio.key, "label": str(ratio.label), "format": "percent",
                            "values": [(a / b) if b else None for a, b in zip(num, den, strict=True)]})
    return data


__all__ = ["ChartData", "load_context", "plan", "run_chart", "where_clauses", "in_ids"]
