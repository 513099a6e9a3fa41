"""Rewards 奖励机制 screens: the leaderboard and one's points ledger; point rules and badges for admins."""

from __future__ import annotations

from flask import abort, request
from flask_appbuilder import BaseView, ModelView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.validators import NumberRange, Optional, Regexp

from app.extensions import db
from app.models import Badge, CrmUser, Department, Door, EventKind, PointRule
from app.security.current import current_actor
from app.services import rewards
from app.services.periods import KINDS, Period

from .base import ReadableFormsMixin
from .fields import CodeSelectField
from .interface import CrmInterface

ENTITY_LABELS = {"lead": _l("Lead"), "account": _l("Account"), "opportunity": _l("Opportunity"),
                 "activity": _l("Activity"), "follow_up": _l("Follow-up")}
PERIOD_LABELS = {"week": _l("This week"), "month": _l("This month"), "quarter": _l("This quarter")}


def _period() -> Period:
    kind = request.args.get("kind", "month")
    kind = kind if kind in KINDS else "month"
    try:
        period = Period.parse(request.args.get("period", ""))
    except ValueError:
        return Period.containing(kind)
    return period


class RewardsView(BaseView):
    """Leaderboard (public within the company: names and points) and ledgers (own, or in scope)."""

    route_base = "/rewards"
    default_view = "index"
    method_permission_name = {"index": "list", "ledger": "list"}

    @expose("/")
    @has_access
    def index(self):
        user = current_actor()
        period = _period()
        by = "department" if request.args.get("by") == "department" else "user"
        department_id = request.args.get("department", type=int)
        standings = rewards.leaderboard(period, by=by, department_id=department_id if by == "user" else None)
        total = rewards.total(user.id)
        departments = list(db.session.scalars(select(Department).order_by(Department.path)))
        return self.render_template(
            "crm/rewards/index.html", period=period, by=by, standings=standings,
            department_id=department_id, departments=departments, my_total=total,
            my_badges=rewards.badges_for(total), badges=rewards.badges_for(10**12),
            kinds=[(k, PERIOD_LABELS[k], Period.containing(k)) for k in KINDS])

    @expose("/ledger")
    @has_access
    def ledger(self):
        viewer = current_actor()
        user_id = request.args.get("user", type=int) or viewer.id
        person = db.session.get(CrmUser, user_id)
        if person is None or not rewards.may_see_ledger(viewer, user_id):
            abort(404)
        total = rewards.total(user_id)
        return self.render_template(
            "crm/rewards/ledger.html", person=person, entries=rewards.ledger(user_id), total=total,
            badges=rewards.badges_for(total), kind_label=EventKind.label_of,
            entity_label=lambda name: ENTITY_LABELS.get(name, name), door_label=Door.label_of)


def install(app) -> None:
    """`crm_my_points()` for the navbar: the signed-in user's points and badges (None without access)."""

    @app.context_processor
    def _my_points():
        def my_points():
            user = current_actor()
            sm = getattr(app, "appbuilder", None)
            if user is None or sm is None or not sm.sm.has_access("can_list", "RewardsView"):
                return None
            total = rewards.total(user.id)
            return total, rewards.badges_for(total)

        return {"crm_my_points": my_points}


class PointRuleView(ReadableFormsMixin, ModelView):
    route_base = "/point-rules"
    datamodel = CrmInterface(PointRule)
    list_title = show_title = _l("Point rules")
    add_title = _l("New point rule")
    edit_title = _l("Edit point rule")
    label_columns = {"event": _l("Event"), "points": _l("Points"),
                     "per_amount": _l("Per amount (optional)"), "active": _l("Active")}
    description_columns = {
        "points": _l("Negative numbers take points away (e.g. -2 for an overdue activity)."),
        "per_amount": _l("If set, the points are paid for every full amount of the opportunity "
                         "(e.g. 1 point per 10000)."),
    }
    list_columns = add_columns = edit_columns = show_columns = ["event", "points", "per_amount", "active"]
    formatters_columns = {"event": EventKind.label_of,
                          "active": lambda v: _l("Yes") if v else _l("No"),
                          "per_amount": lambda v: "" if v is None else f"{v:,.0f}"}
    validators_columns = {"points": [NumberRange(min=-10000, max=10000)],
                          "per_amount": [Optional(), NumberRange(min=0.01)]}
    add_form_extra_fields = edit_form_extra_fields = {
        "event": CodeSelectField(_l("Event"), enum=EventKind, required=True),
    }


class BadgeView(ReadableFormsMixin, ModelView):
    route_base = "/badges"
    datamodel = CrmInterface(Badge)
    list_title = show_title = _l("Badges")
    add_title = _l("New badge")
    edit_title = _l("Edit badge")
    base_order = ("threshold", "asc")
    label_columns = {"name_zh": _l("Name (Chinese)"), "name_en": _l("Name (English)"),
                     "threshold": _l("Points needed"), "icon": _l("Icon")}
    description_columns = {"icon": _l("A Font Awesome name such as fa-star, fa-medal or fa-trophy.")}
    list_columns = add_columns = edit_columns = show_columns = ["name_zh", "name_en", "threshold", "icon"]
    validators_columns = {"threshold": [NumberRange(min=1, max=10**9)],
                          "icon": [Regexp(r"^fa-[a-z0-9-]{1,30}$",
                                          message=_l("Use a Font Awesome name such as fa-star."))]}
