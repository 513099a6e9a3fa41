"""Sales leaderboard 积分排行: the top of the points table this week/month/quarter, and my place."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services import rewards
from app.services.periods import Period

from .base import Context, Option, Widget

PERIOD = Option("period", _l("Period"), "month",
                lambda: [("week", _l("This week")), ("month", _l("This month")), ("quarter", _l("This quarter"))])
BY = Option("by", _l("Rank"), "user", lambda: [("user", _l("People")), ("department", _l("Departments"))])
TOP = Option("top", _l("How many"), 5, minimum=3, maximum=20)


def load(ctx: Context, options: dict) -> dict:
    period = Period.containing(options.get("period", "month"), ctx.now)
    by = options.get("by", "user")
    standings = rewards.leaderboard(period, by=by, limit=200)
    top = standings[: options.get("top", 5)]
    mine = next((s for s in standings if by == "user" and s.id == ctx.user.id), None)
    return {"period": period, "by": by, "top": top, "mine": mine if mine not in top else None,
            "link": ("RewardsView.index", {"period": str(period), "by": by})}


WIDGET = Widget(
    key="leaderboard",
    title=_l("Sales leaderboard"),
    description=_l("Who earned the most points this week, month or quarter, with their badges."),
    load=load,
    options=(PERIOD, BY, TOP),
    needs=("RewardsView",),
)
