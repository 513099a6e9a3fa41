"""Neglected customers: accounts without a follow-up for N days, and those about to be reclaimed."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from app.extensions import db
from app.models import Account
from app.security.scope import owner_ids, scope_for
from app.services.reclaim import warning_clause

from .base import SCOPE, Context, Option, Widget, capped_count

CAP = 1000


def owned(ctx: Context, options: dict):
    """Owned accounts of the user, or of everyone the user's data scope reaches. Only owned
    accounts can be neglected or reclaimed, so the scope's "or in the pool" half is left out:
    SQLite would otherwise read the whole pool next to the team's accounts (~30 ms)."""
    if options.get("scope", "mine") == "mine":
        return Account.owner_id == ctx.user.id
    ids = owner_ids(ctx.user, scope_for(ctx.user, "account"))
    return Account.owner_id.is_not(None) if ids is None else Account.owner_id.in_(ids)


def load(ctx: Context, options: dict) -> dict:
    days = options.get("days", 30)
    cutoff = ctx.now - dt.timedelta(days=days)
    mine = owned(ctx, options)
    quiet = and_(mine, Account.owner_id.is_not(None),
                 func.coalesce(Account.last_followup_at, Account.created_at) < cutoff)
    items = list(db.session.scalars(
        select(Account).where(quiet).order_by(Account.last_followup_at, Account.id).limit(8)))
    qf = {"qf": "mine"} if options.get("scope") == "mine" else {}
    return {
        "days": days,
        "quiet": capped_count(db.session, select(Account.id).where(quiet), CAP),
        "soon": capped_count(db.session, select(Account.id).where(mine, warning_clause()), CAP),
        "cap": CAP,
        "items": items,
        "quiet_link": ("AccountView.list", {**qf, "_oc_AccountView": "last_followup_at",
                                            "_od_AccountView": "asc"}),
        "soon_link": ("AccountView.list", {"qf": "reclaim_soon"}),
    }


WIDGET = Widget(
    key="neglected",
    title=_l("Neglected customers"),
    description=_l("Accounts without a follow-up for a while, and those about to return to the public pool."),
    load=load,
    options=(SCOPE, Option("days", _l("Days without a follow-up"), 30, minimum=1, maximum=365)),
    needs=("AccountView",),
)
