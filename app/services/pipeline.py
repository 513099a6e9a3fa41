"""The pipeline board 销售漏斗看板: opportunities as cards in stage columns, and moving a card.

Everything here is read or written inside the user's data scope (`visibility_clause`). Totals
are one SQL GROUP BY; cards are read a page per column, so 10,000 open opportunities stay fast.
Closing rules are the opportunity's own (`stamp_closing`); a move is an ORM write, so the
history hook records it like any other edit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import Account, CrmUser, Department, LostReason, Opportunity, Stage, utcnow
from app.security.scope import visibility_clause

from .concurrency import StaleVersion, check_version
from .errors import NotFound, ValidationFailed
from .opportunities import stamp_closing

PAGE = 20  # cards per column and per "load more"
CLOSED_DAYS = 30  # won / lost columns: opportunities closed in the last 30 days
MAX_PAGE = 100


@dataclass(frozen=True)
class Filters:
    owner_id: int | None = None
    department_id: int | None = None
    close_month: dt.date | None = None  # first day of the expected close month

    @classmethod
    def parse(cls, args) -> Filters:
        """From query arguments (owner, department, month=YYYY-MM); nonsense is ignored."""

        def number(name):
            raw = (args.get(name) or "").strip()
            return int(raw) if raw.isdigit() else None

        month = None
        raw = (args.get("month") or "").strip()
        try:
            if raw:
                month = dt.date.fromisoformat(f"{raw}-01")
        except ValueError:
            month = None
        return cls(owner_id=number("owner"), department_id=number("department"), close_month=month)

    def as_args(self) -> dict:
        out = {}
        if self.owner_id:
            out["owner"] = self.owner_id
        if self.department_id:
            out["department"] = self.department_id
        if self.close_month:
            out["month"] = self.close_month.strftime("%Y-%m")
        return out


@dataclass
class Column:
    stage: Stage
    count: int = 0
    amounts: list[tuple[str, Decimal]] | None = None  # (currency, sum), largest first


def stages() -> list[Stage]:
    return list(
        db.session.scalars(select(Stage).where(Stage.active.is_(True)).order_by(Stage.sort_order, Stage.id))
    )


def _where(user, filters: Filters):
    clauses = [visibility_clause(Opportunity, user)]
    if filters.owner_id:
        clauses.append(Opportunity.owner_id == filters.owner_id)
    if filters.department_id:
        department = db.session.get(Department, filters.department_id)
        path = department.path if department is not None else "/-/"  # unknown: nothing matches
        members = (
            select(CrmUser.id)
            .join(Department, CrmUser.department_id == Department.id)
            .where(Department.path.like(f"{path}%"))
        )
        clauses.append(Opportunity.owner_id.in_(members))
    if filters.close_month:
        first = filters.close_month
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        clauses.append(Opportunity.expected_close_date >= first)
        clauses.append(Opportunity.expected_close_date < following)
    return and_(*clauses)


def columns(user, filters: Filters = Filters(), now: dt.datetime | None = None) -> list[Column]:
    """One column per active stage with its count and amount per currency, in one GROUP BY per
    kind: open stages hold every open opportunity, won and lost ones the last CLOSED_DAYS days."""
    all_stages = stages()
    cols = {stage.id: Column(stage, 0, []) for stage in all_stages}
    open_ids = [s.id for s in all_stages if not s.is_closed]
    closed_ids = [s.id for s in all_stages if s.is_closed]
    totals = (
        Opportunity.stage_id,
        Opportunity.currency,
        func.count(Opportunity.id),
        func.coalesce(func.sum(Opportunity.amount), 0),
    )
    rows = []
    if open_ids:
        rows += db.session.execute(
            select(*totals)
            .where(_where(user, filters), Opportunity.stage_id.in_(open_ids))
            .group_by(Opportunity.stage_id, Opportunity.currency)
        ).all()
    if closed_ids:
        rows += db.session.execute(
            select(*totals)
            .where(
                _where(user, filters),
                Opportunity.stage_id.in_(closed_ids),
                Opportunity.closed_at >= closed_since(now),
            )
            .group_by(Opportunity.stage_id, Opportunity.currency)
        ).all()
    for stage_id, currency, count, amount in rows:
        col = cols[stage_id]
        col.count += count
        col.amounts.append((currency, Decimal(amount)))
    for col in cols.values():
        col.amounts.sort(key=lambda pair: pair[1], reverse=True)
    return list(cols.values())


def closed_since(now: dt.datetime | None = None) -> dt.datetime:
    """Won and lost columns show what closed recently, not the whole history."""
    return (now or utcnow()) - dt.timedelta(days=CLOSED_DAYS)


def cards(
    user,
    stage_id: int,
    filters: Filters = Filters(),
    offset: int = 0,
    limit: int = PAGE,
    now: dt.datetime | None = None,
) -> list[dict]:
    """A page of one column's cards: soonest expected close first (closed stages: latest closed)."""
    stage = db.session.get(Stage, stage_id)
    if stage is None:
        raise NotFound(_l("This stage does not exist."))
    limit = max(1, min(int(limit), MAX_PAGE))
    if stage.is_closed:  # latest closed first, within the window (index stage_id, closed_at)
        where = (Opportunity.closed_at >= closed_since(now),)
        order = (Opportunity.closed_at.desc(), Opportunity.id.desc())
    else:  # soonest expected close first; undated ones lead (index stage_id, expected_close_date)
        where = ()
        order = (Opportunity.expected_close_date.asc().nulls_first(), Opportunity.id)
    rows = db.session.execute(
        select(
            Opportunity.id,
            Opportunity.name,
            Opportunity.amount,
            Opportunity.currency,
            Opportunity.expected_close_date,
            Opportunity.version,
            Opportunity.owner_id,
            Account.name.label("account"),
            CrmUser.first_name,
            CrmUser.last_name,
            CrmUser.username,
        )
        .join(Account, Account.id == Opportunity.account_id)
        .outerjoin(CrmUser, CrmUser.id == Opportunity.owner_id)
        .where(Opportunity.stage_id == stage_id, _where(user, filters), *where)
        .order_by(*order)
        .offset(max(0, int(offset)))
        .limit(limit)
    ).all()
    out = []
    for row in rows:
        card = row._asdict()
        names = (card.pop("first_name"), card.pop("last_name"), card.pop("username"))
        card["owner"] = _display_name(*names) if card["owner_id"] else None
        out.append(card)
    return out


def _display_name(first, last, username) -> str:
    """The owner's name as everywhere else (CrmUser.display_name), without loading the user."""
    return CrmUser.display_name.fget(SimpleNamespace(first_name=first, last_name=last, username=username))


def visible_opportunity(user, pk: int) -> Opportunity:
    opportunity = db.session.scalar(
        select(Opportunity).where(Opportunity.id == pk, visibility_clause(Opportunity, user))
    )
    if opportunity is None:
        raise NotFound(_l("This opportunity does not exist or is not yours to see."))
    return opportunity


def parse_amount(raw) -> Decimal | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        amount = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationFailed(_l("Enter the amount as a number, such as 120000.")) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise ValidationFailed(_l("The amount cannot be negative."))
    return amount.quantize(Decimal("0.01"))


def move(user, pk: int, stage_id: int, expected_version, amount=None, lost_reason_id=None) -> Opportunity:
    """Move an opportunity to another stage, as the board's drag or stage menu does.

    Won asks for the final amount, lost for the lost reason (输单原因); a version that moved on
    meanwhile is refused (StaleVersion). One transaction: all of it is saved, or nothing.
    """
    opportunity = visible_opportunity(user, pk)
    check_version(opportunity, expected_version)
    stage = db.session.get(Stage, stage_id) if stage_id else None
    if stage is None or not stage.active:
        raise ValidationFailed(_l("Choose a stage of the pipeline."))
    if stage.is_won:
        final = parse_amount(amount)
        if final is None:
            raise ValidationFailed(_l("Confirm the amount won."))
        opportunity.amount = final
    if stage.is_lost:
        reason = (
            db.session.get(LostReason, int(lost_reason_id)) if str(lost_reason_id or "").isdigit() else None
        )
        if reason is None or not reason.active:
            raise ValidationFailed(_l("Choose a lost reason for a lost opportunity."))
    opportunity.stage = stage
    stamp_closing(opportunity)
    if stage.is_lost:
        opportunity.lost_reason = reason
    try:
        db.session.commit()
    except StaleDataError:  # someone saved between our read and our write
        db.session.rollback()
        current = db.session.scalar(select(Opportunity.version).where(Opportunity.id == pk))
        raise StaleVersion(current or 0) from None
    return opportunity


def lost_reasons() -> list[LostReason]:
    return list(
        db.session.scalars(
            select(LostReason)
            .where(LostReason.active.is_(True))
            .order_by(LostReason.sort_order, LostReason.id)
        )
    )
