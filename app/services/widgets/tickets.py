"""Overdue tickets 逾期工单: the service team's count of tickets past a due time, and the oldest ones."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from app.extensions import db
from app.models import Ticket
from app.security.scope import visibility_clause
from app.services.tickets import open_clause, overdue_clause

from .base import SCOPE, Context, Widget, capped_count

CAP = 1000


def load(ctx: Context, options: dict) -> dict:
    seen = visibility_clause(Ticket, ctx.user)
    if options.get("scope") == "mine":
        seen = and_(seen, Ticket.owner_id == ctx.user.id)
    late = and_(seen, overdue_clause(ctx.now))
    qf = "mine" if options.get("scope") == "mine" else "all"
    return {
        "overdue": capped_count(db.session, select(Ticket.id).where(late), CAP),
        "open": capped_count(db.session, select(Ticket.id).where(seen, open_clause()), CAP),
        "cap": CAP,
        "items": list(db.session.scalars(
            select(Ticket).where(late).order_by(Ticket.resolution_due_at, Ticket.id).limit(8))),
        "overdue_link": ("TicketView.list", {"qf": "overdue"}),
        "open_link": ("TicketView.list", {"qf": "mine" if qf == "mine" else "open"}),
    }


WIDGET = Widget(
    key="tickets",
    title=_l("Overdue tickets"),
    description=_l("Tickets past their first-response or resolution time, oldest first."),
    load=load,
    options=(SCOPE,),
    needs=("TicketView",),
)
