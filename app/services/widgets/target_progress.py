"""Target progress 业绩目标: my won amount and my department's against their targets this month/quarter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Department
from app.services.periods import Period
from app.services.targets import progress

from .base import Context, Option, Widget

PERIOD = Option("period", _l("Period"), "month",
                lambda: [("month", _l("This month")), ("quarter", _l("This quarter"))])


def load(ctx: Context, options: dict) -> dict:
    period = Period.containing(options.get("period", "month"), ctx.now)
    rows = [(_l("Mine"), progress(ctx.user, period))]
    department = db.session.get(Department, ctx.user.department_id) if ctx.user.department_id else None
    if department is not None:
        rows.append((department.name, progress(department, period)))
    return {"period": period, "rows": rows, "link": ("TargetView.index", {"period": str(period)})}


WIDGET = Widget(
    key="target_progress",
    title=_l("Target progress"),
    description=_l("What I and my department have won this month or quarter, against our targets."),
    load=load,
    options=(PERIOD,),
    needs=("TargetView",),
)
