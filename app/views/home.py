"""Home 主页: each user's grid of widgets 组件, the edits to it, and admins' role defaults."""

from __future__ import annotations

import logging

from flask import abort, current_app, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, IndexView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import utcnow
from app.security.current import current_actor
from app.security.roles import role_label
from app.services import home
from app.services.errors import CrmError
from app.services.widgets import SIZES, WIDGETS, Context

log = logging.getLogger(__name__)
LIST_VIEWS = {"lead": "LeadView", "account": "AccountView", "contact": "ContactView",
              "opportunity": "OpportunityView", "activity": "ActivityView", "note": "NoteView"}
SIZE_LABELS = {"small": _l("Small"), "wide": _l("Wide")}
OPS = ("add", "remove", "move", "resize", "options", "order", "reset")


def _can_list(view_name: str) -> bool:
    return current_app.appbuilder.sm.has_access("can_list", view_name)


def widget_context(user) -> Context:
    views = {type(v).__name__: v for v in current_app.appbuilder.baseviews}
    lists = {entity: views[name] for entity, name in LIST_VIEWS.items() if name in views}
    return Context(user=user, now=utcnow(), zone=get_timezone(), can=_can_list, lists=lists)


def render_grid(items: list[dict], ctx: Context | None) -> list[dict]:
    """Each layout item with its widget and, when `ctx` is given, its data (a widget that fails
    shows an error instead of breaking the page)."""
    out = []
    for item in items:
        widget = WIDGETS[item["key"]]
        data, failed = None, False
        if ctx is not None:
            try:
                data = widget.load(ctx, item["options"])
            except Exception:  # one broken widget must not take the home page down
                log.exception("widget %s failed", item["key"])
                db.session.rollback()
                failed = True
        out.append({"item": item, "widget": widget, "data": data, "failed": failed})
    return out


def allowed_keys() -> set[str]:
    return {key for key, widget in WIDGETS.items() if widget.allowed(_can_list)}


class HomeView(IndexView):
    route_base = ""
    default_view = "index"
    index_template = "crm/home.html"

    @expose("/")
    def index(self):
        user = g.user if g.user is not None and g.user.is_authenticated else None
        if user is None:
            return self.render_template(self.index_template, appbuilder=self.appbuilder, grid=None)
        allowed = allowed_keys()
        items = [i for i in home.layout_for(user) if i["key"] in allowed]
        return self.render_template(
            self.index_template, appbuilder=self.appbuilder,
            grid=render_grid(items, widget_context(user)), catalogue=_catalogue(allowed),
            editable=self.appbuilder.sm.has_access("can_customise", "HomeLayoutView"),
            ops_url=lambda op: url_for("HomeLayoutView.edit", op=op), customised=home.is_customised(user),
            sizes=SIZE_LABELS, role_name=None)


def _catalogue(keys) -> list:
    return [WIDGETS[key] for key in WIDGETS if key in keys]


def apply_op(op: str, items: list[dict], form) -> list[dict]:
    """One edit of a layout from a submitted form (shared by users' and role-default screens)."""
    item_id = form.get("item", "")
    if op == "add":
        return home.add_widget(items, form.get("key", ""))
    if op == "remove":
        return home.remove_widget(items, item_id)
    if op == "move":
        return home.move_widget(items, item_id, -1 if form.get("delta") == "-1" else 1)
    if op == "resize":
        return home.resize_widget(items, item_id, form.get("size", ""))
    if op == "options":
        return home.configure_widget(items, item_id, {k[4:]: v for k, v in form.items() if k.startswith("opt_")})
    if op == "order":
        return home.reorder(items, [i for i in form.get("ids", "").split(",") if i])
    abort(404)


def _answer(ok: bool, message, back: str):
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"ok": ok, "message": str(message or "")}), (200 if ok else 422)
    if message:
        flash(str(message), "success" if ok else "danger")
    return redirect(back)


class HomeLayoutView(BaseView):
    """The user's own changes to their home page."""

    route_base = "/home"
    default_view = "edit"
    method_permission_name = {"edit": "customise"}

    @expose("/<op>", methods=["POST"])
    @has_access
    def edit(self, op: str):
        if op not in OPS:
            abort(404)
        user, back = current_actor(), url_for("HomeView.index")
        allowed = allowed_keys()
        try:
            if op == "reset":
                home.reset_layout(user)
                return _answer(True, _l("Your home page is back to your role's default."), back)
            items = [i for i in home.layout_for(user) if i["key"] in allowed]
            home.save_layout(user, apply_op(op, items, request.form), lambda key: key in allowed)
        except CrmError as error:
            return _answer(False, error.message, back)
        return _answer(True, None, back)


class HomeDefaultsView(BaseView):
    """Admins: the home page each role starts from."""

    route_base = "/home-defaults"
    default_view = "roles"
    method_permission_name = {"roles": "list", "role": "list", "edit": "edit"}

    def _role(self, role_id: int):
        role = db.session.get(self.appbuilder.sm.role_model, role_id)
        if role is None:
            abort(404)
        return role

    @expose("/")
    @has_access
    def roles(self):
        roles = list(db.session.scalars(select(self.appbuilder.sm.role_model).order_by(
            self.appbuilder.sm.role_model.id)))
        return self.render_template("crm/home_defaults.html", roles=roles, role_label=role_label,
                                    widgets=WIDGETS, default=home.role_default, title=_l("Home defaults"))

    @expose("/<int:role_id>")
    @has_access
    def role(self, role_id: int):
        role = self._role(role_id)
        return self.render_template(
            "crm/home.html", appbuilder=self.appbuilder, grid=render_grid(home.role_default(role), None),
            catalogue=list(WIDGETS.values()), editable=True, customised=False, sizes=SIZE_LABELS,
            ops_url=lambda op: url_for("HomeDefaultsView.edit", role_id=role.id, op=op),
            role_name=role_label(role.name))

    @expose("/<int:role_id>/<op>", methods=["POST"])
    @has_access
    def edit(self, role_id: int, op: str):
        if op not in OPS:
            abort(404)
        role = self._role(role_id)
        back = url_for("HomeDefaultsView.role", role_id=role.id)
        try:
            if op == "reset":
                home.reset_role_default(role)
                return _answer(True, _l("Back to the built-in default."), back)
            home.save_role_default(role, apply_op(op, home.role_default(role), request.form))
        except CrmError as error:
            return _answer(False, error.message, back)
        return _answer(True, None, back)


__all__ = ["SIZES", "HomeDefaultsView", "HomeLayoutView", "HomeView"]
