"""Public pool 公海 doors: claim / release / assign actions on the lead and account lists."""

from __future__ import annotations

from collections import Counter

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose
from flask_appbuilder.actions import action
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.validators import NumberRange

from app.extensions import db
from app.models import CrmUser, HoldingCap, PoolEntity, PoolSettings
from app.security.current import current_actor
from app.security.roles import role_label
from app.security.scope import owner_ids, scope_for
from app.services import pool
from app.services.errors import CrmError

from .base import ReadableFormsMixin, typed_formatters
from .fields import CodeSelectField
from .interface import CrmInterface
from .organisation import role_select_field


def flash_outcome(outcome: pool.Outcome, done_text) -> None:
    """"3 claimed. 2 not: already claimed (2)" — counts, and each reason once."""
    if outcome.done:
        flash(str(_l("%(action)s: %(count)s.", action=done_text, count=len(outcome.done))), "success")
    if outcome.refused:
        reasons = Counter(str(reason) for reason in outcome.refused.values())
        details = "; ".join(f"{reason} ({count})" for reason, count in reasons.items())
        flash(str(_l("%(count)s not changed: %(why)s", count=len(outcome.refused), why=details)), "warning")


class PoolActionsMixin:
    """Added to LeadView and AccountView; `pool_entity` names the pool."""

    pool_entity = ""

    @action("claim", _l("Claim"), _l("Claim the selected records from the public pool?"), "fa-hand-paper")
    def claim(self, ids):
        flash_outcome(pool.claim(self.pool_entity, ids, current_actor()), _l("Claimed"))
        return redirect(self.get_redirect())

    # "Return to the pool" and "Assign" are bulk actions (app/views/bulk.py): they accept a whole
    # filter, not only the ticked rows, and change ten thousand records at once.


def assignable_users(user, entity: str) -> list[CrmUser]:
    """Active users the assigner may hand records to: those within their own data scope."""
    reach = owner_ids(user, scope_for(user, entity))
    query = select(CrmUser).where(CrmUser.active.is_(True)).order_by(CrmUser.username)
    if reach is not None:
        query = query.where(CrmUser.id.in_(reach))
    return list(db.session.scalars(query))


class PoolView(BaseView):
    """The forms behind "return to the pool" (needs a reason) and "assign" (needs a person)."""

    route_base = "/pool"
    default_view = "release"

    @expose("/release", methods=["GET", "POST"])
    @has_access
    def release(self):
        entity, ids = self._selection()
        if request.method == "POST":
            try:
                outcome = pool.release(entity, ids, current_actor(), request.form.get("reason", ""))
            except CrmError as error:
                flash(str(error.message), "danger")
            else:
                flash_outcome(outcome, _l("Returned to the pool"))
                return redirect(self._list_url(entity))
        return self.render_template("crm/pool_form.html", mode="release", entity=entity, ids=ids,
                                    back=self._list_url(entity))

    @expose("/assign", methods=["GET", "POST"])
    @has_access
    def assign(self):
        entity, ids = self._selection()
        user = current_actor()
        choices = assignable_users(user, entity)
        if request.method == "POST":
            receiver = request.form.get("user_id", "")
            allowed = {str(u.id) for u in choices}
            if receiver not in allowed:
                flash(str(_l("Choose a user to assign to.")), "danger")
            else:
                flash_outcome(pool.assign(entity, ids, int(receiver), user), _l("Assigned"))
                return redirect(self._list_url(entity))
        return self.render_template("crm/pool_form.html", mode="assign", entity=entity, ids=ids,
                                    users=choices, back=self._list_url(entity))

    @staticmethod
    def _selection() -> tuple[str, list[int]]:
        entity = request.values.get("entity", "")
        if entity not in pool.POOL_MODELS:
            abort(404)
        ids = [int(x) for x in request.values.get("ids", "").split(",") if x.strip().isdigit()]
        if not ids:
            abort(400)
        return entity, ids[:10000]

    @staticmethod
    def _list_url(entity: str) -> str:
        return url_for(f"{'LeadView' if entity == 'lead' else 'AccountView'}.list")




class PoolSettingsView(ReadableFormsMixin, ModelView):
    """The pool's one row of settings (cooldown, auto-reclaim); nothing to add or delete."""

    route_base = "/pool-settings"
    datamodel = CrmInterface(PoolSettings)
    base_permissions = ["can_list", "can_show", "can_edit"]
    list_title = show_title = edit_title = _l("Public pool rules")
    label_columns = {
        "reclaim_cooldown_days": _l("Days before a returned record can be claimed again by the same user"),
        "auto_reclaim": _l("Reclaim neglected accounts automatically"),
        "no_followup_days": _l("Reclaim after this many days without a follow-up"),
        "no_won_days": _l("Reclaim after this many days without a won opportunity"),
        "warning_days": _l("Warn the owner this many days before"),
    }
    list_columns = show_columns = edit_columns = list(label_columns)
    formatters_columns = typed_formatters(PoolSettings)
    validators_columns = {name: [NumberRange(min=0, max=3650)] for name in label_columns
                          if name != "auto_reclaim"}


class HoldingCapView(ReadableFormsMixin, ModelView):
    """持有上限 per role and record type."""

    route_base = "/holding-cap"
    datamodel = CrmInterface(HoldingCap, eager=("role",))
    list_title = show_title = _l("Holding caps")
    add_title = _l("New holding cap")
    edit_title = _l("Edit holding cap")
    label_columns = {"role": _l("Role"), "entity": _l("Record type"), "cap": _l("Holding cap")}
    list_columns = add_columns = edit_columns = show_columns = ["role", "entity", "cap"]
    search_columns = ["entity", "cap"]
    formatters_columns = {
        "entity": PoolEntity.label_of,
        "role": lambda role: role_label(role.name) if role is not None else "",
    }
    validators_columns = {"cap": [NumberRange(min=0, max=1_000_000)]}
    add_form_extra_fields = edit_form_extra_fields = {
        "role": role_select_field(),
        "entity": CodeSelectField(_l("Record type"), enum=PoolEntity, required=True),
    }
