"""Charts on the big tables answered from summary tables 汇总表 — exactly, or not at all.

`analytics_lead_month` and `analytics_activity_day` (app/models/analytics_rollup.py) hold live
lead / activity counts per local month / day, owner and the columns the charts group by. Triggers
keep them in step with every write in the same transaction — SQLite row triggers (migration 0019),
PostgreSQL statement triggers over transition tables (migration 0025) — so a chart
read from them equals the plain aggregate over the base table; `verify()` proves it (tests, and
the daily `analytics-rollup-check` job, which rebuilds on any difference).

`rollup_plan` translates a ChartSpec into an aggregate over a summary table when every part of it
can be answered there: the grouping, the conditions, the dashboard filters, and period bounds /
buckets that fall on the table's grain (a month table cannot answer a custom period ending on the
15th) and on local midnights with the same UTC offset the table was built with (no DST drift).
A measure the table cannot answer (a lead whose opportunity was won) is computed by a second,
narrow query on the base table with that condition as a filter, and merged by group key.
Anything else returns None and the caller runs the plain aggregate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import and_, case, false, func, literal, or_, select, text, true

from app.extensions import db
from app.models import CrmUser
from app.models.analytics_rollup import ActivityDay, LeadMonth, RollupState
from app.security.scope import owner_ids, scope_for

from .fields import Context
from .filters import Filters, bucket_starts, to_utc

log = logging.getLogger("crm.analytics")
UNDATED = dt.date(1, 1, 1)  # the day of activities without a due date


@dataclass(frozen=True)
class Cube:
    entity: str
    model: type
    date_field: str  # the base table's date the period column was computed from
    period: str  # the summary table's date column
    grain: str  # "month" | "day"
    dimensions: dict[str, Callable[[], object]]
    conditions: dict[str, Callable[[], object]]  # condition key -> clause on the summary table
    channel: object | None = None  # the summary column the dashboard's channel filter applies to
    # dialect -> SELECT key…, count(*) of the live base rows; `{range}` narrows it (see `counts_sql`)
    fresh: dict[str, str] = dataclasses.field(default_factory=dict)

    def counts_sql(self, dialect: str, slice_of_ids: bool = False) -> str:
        """The fresh GROUP BY, of every live row or (slice_of_ids) of those with id BETWEEN :lo AND :hi."""
        return self.fresh[dialect].replace("{range}", " AND id BETWEEN :lo AND :hi" if slice_of_ids else "")

    @property
    def columns(self) -> list[str]:
        return [c.name for c in self.model.__table__.primary_key.columns]

    @property
    def column(self):
        return getattr(self.model, self.period)

    @property
    def owner(self):
        return self.model.owner_id


def _nullif0(column):
    return lambda: func.nullif(column, 0)


LEAD_CUBE = Cube(
    "lead", LeadMonth, "created_at", "month", "month",
    dimensions={"status": lambda: LeadMonth.status, "channel": lambda: LeadMonth.channel,
                "source": _nullif0(LeadMonth.source_id), "owner": _nullif0(LeadMonth.owner_id),
                "department": lambda: CrmUser.department_id},
    conditions={"qualified": lambda: LeadMonth.status.in_(("qualified", "converted")),
                "converted": lambda: LeadMonth.status == "converted",
                "with_opportunity": lambda: LeadMonth.has_opportunity.is_(True),
                "unqualified": lambda: LeadMonth.status == "unqualified",
                "pool": lambda: LeadMonth.owner_id == 0},
    channel=LeadMonth.channel,
    # the same keys as the triggers of migrations 0019 (SQLite) and 0025 (PostgreSQL)
    fresh={"sqlite": "SELECT date(created_at, :shift, 'start of month'), coalesce(owner_id, 0), channel,"
                     " coalesce(source_id, 0), status, converted_opportunity_id IS NOT NULL, count(*)"
                     " FROM lead WHERE deleted_at IS NULL{range} GROUP BY 1, 2, 3, 4, 5, 6",
           "postgresql": "SELECT date_trunc('month', created_at + make_interval(mins => :minutes))::date,"
                         " coalesce(owner_id, 0), channel, coalesce(source_id, 0), status,"
                         " converted_opportunity_id IS NOT NULL, count(*) FROM lead WHERE deleted_at IS NULL{range}"
                         " GROUP BY 1, 2, 3, 4, 5, 6"},
)

ACTIVITY_CUBE = Cube(
    "activity", ActivityDay, "due_at", "day", "day",
    dimensions={"type": lambda: ActivityDay.type, "owner": _nullif0(ActivityDay.owner_id),
                "department": lambda: CrmUser.department_id},
    conditions={"done": lambda: ActivityDay.done.is_(True), "open": lambda: ActivityDay.done.is_(False)},
    fresh={"sqlite": "SELECT coalesce(date(due_at, :shift), '0001-01-01'), coalesce(owner_id, 0), type,"
                     " done_at IS NOT NULL, count(*) FROM activity WHERE deleted_at IS NULL{range} GROUP BY 1, 2, 3, 4",
           "postgresql": "SELECT coalesce((due_at + make_interval(mins => :minutes))::date, DATE '0001-01-01'),"
                         " coalesce(owner_id, 0), type, done_at IS NOT NULL, count(*) FROM activity"
                         " WHERE deleted_at IS NULL{range} GROUP BY 1, 2, 3, 4"},
)

CUBES = {c.entity: c for c in (LEAD_CUBE, ACTIVITY_CUBE)}


# -- is the summary usable at all? -----------------------------------------------------------

DIALECTS = ("sqlite", "postgresql")  # triggers: migration 0019 (SQLite), 0025 (PostgreSQL)


def dialect() -> str:
    return db.session.get_bind().dialect.name


def enabled() -> bool:
    if has_app_context() and not current_app.config.get("CRM_ANALYTICS_ROLLUPS", True):
        return False
    return dialect() in DIALECTS


def _params(offset: int) -> dict:
    return {"shift": f"{offset:+d} minutes"} if dialect() == "sqlite" else {"minutes": offset}


def state_offset() -> int | None:
    """The UTC offset (minutes) the summaries were built with; None when they are not in use."""
    if not enabled():
        return None
    return db.session.scalar(select(RollupState.offset_minutes).where(RollupState.id == 1))


def zone_offset(day: dt.date) -> int:
    """Minutes the local midnight starting `day` is ahead of UTC."""
    return round((dt.datetime.combine(day, dt.time()) - to_utc(day)).total_seconds() / 60)


def _aligned(days, grain: str, offset: int) -> bool:
    for day in days:
        if grain == "month" and day.day != 1:
            return False
        if zone_offset(day) != offset:
            return False
    return True


# -- scope and filters on the summary table ----------------------------------------------------

def scope_clause(cube: Cube, user):
    """The same rule as app.security.scope.visibility_clause: own/department/all + the pool."""
    if user is None or not getattr(user, "is_authenticated", True):
        return false()
    ids = owner_ids(user, scope_for(user, cube.entity))
    if ids is None:
        return true()
    return or_(cube.owner.in_(ids), cube.owner == 0)


def filter_clauses(cube: Cube, entity, filters: Filters) -> list | None:
    from .engine import department_owner_ids

    clauses = []
    if filters.owner == "pool":
        clauses.append(cube.owner == 0)
    elif filters.owner_id is not None:
        clauses.append(cube.owner == filters.owner_id)
    if filters.department_id:
        clauses.append(cube.owner.in_(department_owner_ids(filters.department_id)))
    if filters.channel and entity.channel is not None:
        if cube.channel is None:
            return None
        clauses.append(cube.channel == filters.channel)
    if entity.money:
        return None
    return clauses


# -- the plan -------------------------------------------------------------------------------------

def rollup_plan(spec, filters: Filters, user, ctx: Context):
    """A Plan over the summary table (with `extra` base-table queries), or None."""
    from .engine import Plan, bucket_expr, date_range, plan, window, year_earlier

    cube = CUBES.get(spec.entity)
    if cube is None or ctx.rollup_offset is None or spec.custom:
        return None
    entity = spec.entity_def
    if any(c not in cube.conditions for c in spec.filters):
        return None
    if spec.group_by is not None and not spec.is_date_group and spec.group_by not in cube.dimensions:
        return None
    measures = spec.parsed_measures()
    if any(m.kind != "count" for m in measures):
        return None
    clauses = filter_clauses(cube, entity, filters)
    if clauses is None:
        return None
    span = window(spec, filters)
    date_field = spec.group_by if spec.is_date_group else spec.date_field
    previous = spec.window == "compare_year" and span is not None
    starts = None
    if span is not None and date_field is not None:
        if date_field != cube.date_field:
            return None
        bounds = list(span)
        if spec.is_date_group:
            starts = bucket_starts(*span, spec.bucket)
            if previous:
                starts = [year_earlier(d) for d in starts] + starts
            bounds += starts
        if previous:
            bounds += [year_earlier(d) for d in span]
        if not _aligned(bounds, cube.grain, ctx.rollup_offset):
            return None
        column = cube.column
        if previous:
            clauses.append(or_(and_(*date_range(column, *span)),
                               and_(*date_range(column, year_earlier(span[0]), year_earlier(span[1])))))
        else:
            clauses += date_range(column, *span)
    elif spec.is_date_group:
        return None
    clauses += [cube.conditions[c]() for c in spec.filters]
    clauses.append(scope_clause(cube, user))

    n = cube.model.n
    columns, extra = [], {}
    for i, m in enumerate(measures):
        if m.condition is None:
            columns.append(func.sum(n).label(f"m{i}"))
        elif m.condition in cube.conditions:
            columns.append(func.sum(_when(cube.conditions[m.condition](), n)).label(f"m{i}"))
        else:  # answered by the base table: count the rows meeting the condition, same groups
            columns.append(literal(0).label(f"m{i}"))
            narrow = dataclasses.replace(spec, measures=("count",), labels=(), ratios=(), limit=None,
                                         filters=(*spec.filters, m.condition))
            extra[i] = plan(narrow, filters, user, ctx).statement
    if spec.group_by is None:
        stmt = select(*columns)
    else:
        key = bucket_expr(cube.column, starts) if spec.is_date_group else cube.dimensions[spec.group_by]()
        stmt = select(key.label("k"), *columns)
        if spec.group_by == "department":
            stmt = stmt.select_from(cube.model).outerjoin(CrmUser, CrmUser.id == cube.owner)
        stmt = stmt.group_by(key).having(func.sum(n) > 0)
    stmt = stmt.select_from(cube.model).where(*clauses)
    return Plan(stmt, measures, starts, span, date_field, previous, extra=extra,
                source=cube.model.__tablename__)


def _when(clause, value):
    return case((clause, value), else_=0)


def execute(p, grouped: bool) -> list:
    """Rows of a Plan: the main aggregate, with base-table measures merged in by group key."""
    rows = [list(r) for r in db.session.execute(p.statement).all()]
    for index, statement in p.extra.items():
        found = db.session.execute(statement).all()
        if grouped:
            values = {r[0]: r[1] for r in found}
            for row in rows:
                row[index + 1] = values.get(row[0], 0)
        else:
            value = found[0][0] if found else 0
            for row in rows:
                row[index] = value
    return rows


# -- keeping them honest -------------------------------------------------------------------------

def current_offset() -> int:
    from .filters import today

    return zone_offset(today())


def rebuild(offset: int | None = None) -> dict[str, int]:
    """Recompute both summaries from the base tables with `offset` (default: the zone's now).

    On PostgreSQL the summary tables are locked (EXCLUSIVE: readers go on, writers of lead /
    activity wait at their trigger) so no write falls between the DELETE and the fresh count."""
    if not enabled():
        return {}
    offset = current_offset() if offset is None else offset
    counts = {}
    try:
        if dialect() == "postgresql":
            db.session.execute(text("LOCK TABLE analytics_rollup_state, analytics_lead_month,"
                                    " analytics_activity_day IN EXCLUSIVE MODE"))
        state = db.session.get(RollupState, 1) or RollupState(id=1)
        state.offset_minutes, state.shift = offset, f"{offset:+d} minutes"
        state.built_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        db.session.add(state)
        db.session.flush()
        for cube in CUBES.values():
            table = cube.model.__tablename__
            db.session.execute(cube.model.__table__.delete())
            db.session.execute(text(f"INSERT INTO {table} ({', '.join(cube.columns)}, n) {cube.counts_sql(dialect())}"),
                               _params(offset))
            counts[table] = db.session.scalar(select(func.count()).select_from(cube.model))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return counts


def differences(cube: Cube) -> int:
    """Keys whose summary count differs from a fresh GROUP BY of the base table (0 = exact)."""
    offset = state_offset()
    if offset is None:
        return 0
    table = cube.model.__tablename__
    keys = cube.columns
    same, differ = ("IS", "IS NOT") if dialect() == "sqlite" else ("IS NOT DISTINCT FROM", "IS DISTINCT FROM")
    on = " AND ".join(f"f.{k} {same} s.{k}" for k in keys)
    sql = (f"WITH f({', '.join(keys)}, n) AS ({cube.counts_sql(dialect())}) "
           f"SELECT count(*) FROM (SELECT f.n AS a, coalesce(s.n, 0) AS b FROM f LEFT JOIN {table} s ON {on}"
           f" UNION ALL SELECT coalesce(f.n, 0), s.n FROM {table} s LEFT JOIN f ON {on}) AS d WHERE a {differ} b"
           f" AND NOT (coalesce(a, 0) = 0 AND coalesce(b, 0) = 0)")
    return db.session.scalar(text(sql), _params(offset)) or 0


def add_slice(conn, cube: Cube, lo: int, hi: int) -> None:
    """Add the counts of the base rows with id BETWEEN lo AND hi, as their insert triggers would have
    (SQLite, while a bulk writer holds them aside: app/services/derived.py). Uses the summaries' own
    shift, read inside the caller's transaction, so the keys match the rows already counted."""
    shift = conn.scalar(text("SELECT shift FROM analytics_rollup_state WHERE id = 1")) or "+0 minutes"
    keys = ", ".join(cube.columns)
    conn.execute(text(f"INSERT INTO {cube.model.__tablename__} ({keys}, n) {cube.counts_sql('sqlite', True)}"
                      f" ON CONFLICT ({keys}) DO UPDATE SET n = n + excluded.n"),
                 {"shift": shift, "lo": lo, "hi": hi})


def verify() -> dict[str, int]:
    return {cube.model.__tablename__: differences(cube) for cube in CUBES.values()}


def check_job() -> str:
    """Daily: the summaries equal the base tables and use the zone's current offset, else rebuild."""
    if not enabled():
        return "summaries not in use on this database"
    wrong = {k: v for k, v in verify().items() if v}
    if wrong or state_offset() != current_offset():
        log.warning("analytics summaries rebuilt: differences %s", wrong)
        return f"rebuilt: {rebuild()}"
    return "summaries exact"
