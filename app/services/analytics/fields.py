"""What a chart may be built from: per entity, its dimensions, numbers, dates and named conditions.

Every piece is an SQL expression on the entity's table, so a chart is one GROUP BY and the
drill-down list filters rows with the very same expressions (the list shows the bar's rows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, or_, select

from app.models import (
    Account,
    AccountLevel,
    Activity,
    ActivityType,
    Channel,
    CrmUser,
    Department,
    Industry,
    Lead,
    LeadSource,
    LeadStatus,
    LostReason,
    Opportunity,
    Rating,
    Stage,
    utcnow,
)

NONE = "__none__"  # the drill-down value of an empty group ("no source", "public pool")
NEGLECT_DAYS = 30


@dataclass
class Context:
    """Small facts read once per request: stage probabilities and which stages are terminal."""

    probabilities: dict[int, int]
    won: tuple[int, ...]
    lost: tuple[int, ...]
    stage_order: dict[int, int]
    learned: dict[int, float] | None = None
    now: object = None
    rollup_offset: int | None = None  # summary tables in use (built with this UTC offset), else None

    @property
    def closed(self) -> tuple[int, ...]:
        return self.won + self.lost

    @property
    def open(self) -> tuple[int, ...]:
        return tuple(s for s in self.probabilities if s not in self.closed)


def in_ids(column, ids):
    return column.in_(ids) if ids else false()


@dataclass(frozen=True)
class Dimension:
    key: str
    label: object
    expr: Callable[[], object]  # the grouped expression
    labels: Callable[[list], dict] | None = None  # raw values -> display labels
    join: Callable[[object], object] | None = None  # adds the join the expression needs
    match: Callable[[object], object] | None = None  # drill-down: value -> clause on the entity
    order: Callable[[list], list] | None = None  # natural order of the values, else by measure

    def clause(self, value):
        if value == NONE:
            return self.expr().is_(None) if self.match is None else self.match(None)
        return self.match(value) if self.match is not None else self.expr() == value


@dataclass(frozen=True)
class Condition:
    label: object
    clause: Callable[[Context], object]


@dataclass(frozen=True)
class Entity:
    key: str
    label: object
    model: type
    list_endpoint: str
    dates: dict[str, object]
    dimensions: dict[str, Dimension]
    numbers: dict[str, object] = field(default_factory=dict)
    conditions: dict[str, Condition] = field(default_factory=dict)
    channel: Callable[[str], object] | None = None
    money: bool = False  # amounts: charts of this entity are in one currency
    date_exprs: dict[str, Callable[[], object]] = field(default_factory=dict)  # dates not on the model (custom)


# -- labels -----------------------------------------------------------------------------------

def _enum_labels(enum):
    return lambda values: {v: enum.label_of(v) for v in values if v is not None}


def _enum_order(enum):
    order = {m.value: i for i, m in enumerate(enum)}
    return lambda values: sorted(values, key=lambda v: order.get(v, len(order)))


def _lookup_labels(model):
    def labels(values):
        ids = [v for v in values if v is not None]
        if not ids:
            return {}
        from app.extensions import db

        return {row.id: row.label for row in db.session.scalars(select(model).where(model.id.in_(ids)))}

    return labels


def _stage_order(values):
    from app.extensions import db

    order = dict(db.session.execute(select(Stage.id, Stage.sort_order)).all())
    return sorted(values, key=lambda v: (order.get(v, 999), v or 0))


def _user_labels(values):
    ids = [v for v in values if v is not None]
    if not ids:
        return {}
    from app.extensions import db

    return {u.id: u.display_name for u in db.session.scalars(select(CrmUser).where(CrmUser.id.in_(ids)))}


def _department_labels(values):
    ids = [v for v in values if v is not None]
    if not ids:
        return {}
    from app.extensions import db

    return {d.id: d.name for d in db.session.scalars(select(Department).where(Department.id.in_(ids)))}


def _channel_labels(values):
    return {v: Channel.label_of(v) for v in values if v is not None}


# -- shared dimensions ----------------------------------------------------------------------------

def owner_dimension(model) -> Dimension:
    return Dimension("owner", _l("Owner"), lambda: model.owner_id, _user_labels,
                     match=lambda v: model.owner_id.is_(None) if v is None else model.owner_id == int(v))


def department_dimension(model) -> Dimension:
    def join(stmt):
        return stmt.outerjoin(CrmUser, CrmUser.id == model.owner_id)

    def match(value):
        users = select(CrmUser.id).where(
            CrmUser.department_id.is_(None) if value is None else CrmUser.department_id == int(value))
        clause = model.owner_id.in_(users)
        return or_(clause, model.owner_id.is_(None)) if value is None else clause

    return Dimension("department", _l("Department"), lambda: CrmUser.department_id, _department_labels,
                     join=join, match=match)


def _int_match(column):
    return lambda value: column.is_(None) if value is None else column == int(value)


# -- the entities ---------------------------------------------------------------------------------

def _won_lead(ctx: Context):
    return Lead.converted_opportunity_id.in_(
        select(Opportunity.id).where(in_ids(Opportunity.stage_id, ctx.won), Opportunity.deleted_at.is_(None)))


LEAD = Entity(
    "lead", _l("Leads"), Lead, "LeadView.list",
    dates={"created_at": _l("Created"), "converted_at": _l("Converted on")},
    dimensions={
        "status": Dimension("status", _l("Status"), lambda: Lead.status, _enum_labels(LeadStatus),
                            order=_enum_order(LeadStatus)),
        "channel": Dimension("channel", _l("Channel"), lambda: Lead.channel, _enum_labels(Channel),
                             order=_enum_order(Channel)),
        "source": Dimension("source", _l("Source"), lambda: Lead.source_id, _lookup_labels(LeadSource),
                            match=_int_match(Lead.source_id)),
        "rating": Dimension("rating", _l("Rating"), lambda: Lead.rating, _enum_labels(Rating),
                            order=_enum_order(Rating)),
        "industry": Dimension("industry", _l("Industry"), lambda: Lead.industry, _enum_labels(Industry)),
        "province": Dimension("province", _l("Region"), lambda: Lead.province),
        "owner": owner_dimension(Lead),
        "department": department_dimension(Lead),
    },
    conditions={
        "qualified": Condition(_l("Qualified"), lambda c: Lead.status.in_(("qualified", "converted"))),
        "converted": Condition(_l("Converted"), lambda c: Lead.status == "converted"),
        "with_opportunity": Condition(_l("Opportunities"), lambda c: Lead.converted_opportunity_id.is_not(None)),
        "won": Condition(_l("Won"), _won_lead),
        "unqualified": Condition(_l("Unqualified"), lambda c: Lead.status == "unqualified"),
        "pool": Condition(_l("Public pool"), lambda c: Lead.owner_id.is_(None)),
    },
    channel=lambda value: Lead.channel == value,
)


def _source_lead_join(stmt):
    return stmt.outerjoin(Lead, Lead.id == Opportunity.source_lead_id)


def _via_source_lead(column):
    def match(value):
        if value is None:
            return or_(Opportunity.source_lead_id.is_(None), Opportunity.source_lead_id.in_(
                select(Lead.id).where(column.is_(None))))
        return Opportunity.source_lead_id.in_(select(Lead.id).where(column == value))

    return match


def _open(ctx: Context):
    # the open stages listed (not "not closed"): the index on stage_id then seeks each of them
    return in_ids(Opportunity.stage_id, ctx.open)


OPPORTUNITY = Entity(
    "opportunity", _l("Opportunities"), Opportunity, "OpportunityView.list",
    dates={"created_at": _l("Created"), "closed_at": _l("Closed on"),
           "expected_close_date": _l("Expected close date")},
    dimensions={
        "stage": Dimension("stage", _l("Stage"), lambda: Opportunity.stage_id, _lookup_labels(Stage),
                           match=_int_match(Opportunity.stage_id), order=_stage_order),
        "owner": owner_dimension(Opportunity),
        "department": department_dimension(Opportunity),
        "channel": Dimension("channel", _l("Channel"), lambda: Lead.channel, _enum_labels(Channel),
                             join=_source_lead_join, match=_via_source_lead(Lead.channel),
                             order=_enum_order(Channel)),
        "source": Dimension("source", _l("Source"), lambda: Lead.source_id, _lookup_labels(LeadSource),
                            join=_source_lead_join,
                            match=lambda v: _via_source_lead(Lead.source_id)(None if v is None else int(v))),
        "lost_reason": Dimension("lost_reason", _l("Lost reason"), lambda: Opportunity.lost_reason_id,
                                 _lookup_labels(LostReason),
                                 match=_int_match(Opportunity.lost_reason_id)),
    },
    numbers={"amount": _l("Amount")},
    conditions={
        "open": Condition(_l("Open"), _open),
        "won": Condition(_l("Won"), lambda c: in_ids(Opportunity.stage_id, c.won)),
        "lost": Condition(_l("Lost"), lambda c: in_ids(Opportunity.stage_id, c.lost)),
        "closed": Condition(_l("Closed"), lambda c: in_ids(Opportunity.stage_id, c.closed)),
    },
    channel=lambda value: Opportunity.source_lead_id.in_(select(Lead.id).where(Lead.channel == value)),
    money=True,
)


def _neglected(ctx: Context):
    import datetime as dt

    limit = (ctx.now or utcnow()) - dt.timedelta(days=NEGLECT_DAYS)
    return or_(Account.last_followup_at.is_(None), Account.last_followup_at < limit)


ACCOUNT = Entity(
    "account", _l("Accounts"), Account, "AccountView.list",
    dates={"created_at": _l("Created"), "last_followup_at": _l("Last follow-up")},
    dimensions={
        "industry": Dimension("industry", _l("Industry"), lambda: Account.industry, _enum_labels(Industry),
                              order=_enum_order(Industry)),
        "level": Dimension("level", _l("Level"), lambda: Account.level, _enum_labels(AccountLevel),
                           order=_enum_order(AccountLevel)),
        "province": Dimension("province", _l("Region"), lambda: Account.province),
        "source": Dimension("source", _l("Source"), lambda: Account.source_id, _lookup_labels(LeadSource),
                            match=_int_match(Account.source_id)),
        "owner": owner_dimension(Account),
        "department": department_dimension(Account),
    },
    conditions={
        "neglected": Condition(_l("Neglected (no follow-up for 30 days)"), _neglected),
        "pool": Condition(_l("Public pool"), lambda c: Account.owner_id.is_(None)),
    },
    channel=lambda value: Account.source_id.in_(select(LeadSource.id).where(LeadSource.channel == value)),
)


def _overdue(ctx: Context):
    return and_(Activity.done_at.is_(None), Activity.due_at < (ctx.now or utcnow()))


ACTIVITY = Entity(
    "activity", _l("Activities"), Activity, "ActivityView.list",
    dates={"due_at": _l("Due"), "done_at": _l("Done on"), "created_at": _l("Created")},
    dimensions={
        "type": Dimension("type", _l("Type"), lambda: Activity.type, _enum_labels(ActivityType),
                          order=_enum_order(ActivityType)),
        "owner": owner_dimension(Activity),
        "department": department_dimension(Activity),
    },
    conditions={
        "done": Condition(_l("Follow-ups (done)"), lambda c: Activity.done_at.is_not(None)),
        "open": Condition(_l("Open"), lambda c: Activity.done_at.is_(None)),
        "overdue": Condition(_l("Overdue"), _overdue),
    },
)

ENTITIES: dict[str, Entity] = {e.key: e for e in (LEAD, OPPORTUNITY, ACCOUNT, ACTIVITY)}
