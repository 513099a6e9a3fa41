"""Numbers for the home page, each answered by an index on owner_id."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, Activity, Lead, Opportunity, Stage, utcnow


@dataclass
class MyDay:
    my_leads: int
    my_accounts: int
    my_open_opportunities: int
    my_open_amount: float
    due_today: list[Activity]
    overdue: int


def my_day(user) -> MyDay:
    now = utcnow()
    end_of_day = dt.datetime.combine(now.date(), dt.time.max)
    open_stage = select(Stage.id).where(~Stage.is_won, ~Stage.is_lost)
    count, amount = db.session.execute(
        select(func.count(Opportunity.id), func.coalesce(func.sum(Opportunity.amount), 0)).where(
            Opportunity.owner_id == user.id, Opportunity.stage_id.in_(open_stage)
        )
    ).one()
    mine_open = (Activity.owner_id == user.id) & Activity.done_at.is_(None)
    return MyDay(
        my_leads=db.session.scalar(select(func.count(Lead.id)).where(Lead.owner_id == user.id)),
        my_accounts=db.session.scalar(select(func.count(Account.id)).where(Account.owner_id == user.id)),
        my_open_opportunities=count,
        my_open_amount=float(amount or 0),
        due_today=list(
            db.session.scalars(
                select(Activity)
                .where(mine_open, Activity.due_at <= end_of_day)
                .order_by(Activity.due_at)
                .limit(10)
            )
        ),
        overdue=db.session.scalar(
            select(func.count(Activity.id)).where(mine_open, Activity.due_at < now)
        ),
    )
