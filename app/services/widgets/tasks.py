"""My tasks: what is due today and what is overdue (my own open activities)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from app.extensions import db
from app.models import Activity
from app.services.activities import PARENT_EAGER, day_bounds, mine, tab_clause

from .base import Context, Widget


def load(ctx: Context, options: dict) -> dict:
    today = tab_clause("today", ctx.user, ctx.now, ctx.zone)
    overdue = tab_clause("overdue", ctx.user, ctx.now, ctx.zone)
    # today's or overdue = open and due before the end of today: one index range instead of an OR
    _start, end = day_bounds(ctx.now, ctx.zone)
    due_by_tonight = and_(mine(ctx.user), Activity.done_at.is_(None), Activity.due_at < end)
    items = list(db.session.scalars(
        select(Activity).where(due_by_tonight).options(*PARENT_EAGER)
        .order_by(Activity.due_at, Activity.id).limit(options.get("rows", 8))))
    return {
        "today": db.session.scalar(select(func.count(Activity.id)).where(today)),
        "overdue": db.session.scalar(select(func.count(Activity.id)).where(overdue)),
        "items": items,
        "now": ctx.now,
    }


WIDGET = Widget(
    key="tasks",
    title=_l("My tasks"),
    description=_l("Activities due today and overdue ones."),
    load=load,
    needs=("ActivityView",),
)
