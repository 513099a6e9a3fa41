"""Saved views 场景: save / open / delete / make default, and the list side (panel, default view)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from app.models.saved_view import Sharing
from app.security.current import current_actor
from app.services import saved_views as service
from app.services.errors import CrmError


def _list_names(appbuilder) -> set[str]:
    from .base import CrmModelView

    return {type(v).__name__ for v in appbuilder.baseviews if isinstance(v, CrmModelView)}


def _list_url(list_name: str, args: dict, view_id: int | None = None) -> str:
    extra = {"sv": view_id} if view_id is not None else {}
    return url_for(f"{list_name}.list", **args, **extra)


class SavedViewView(BaseView):
    route_base = "/saved-views"
    default_view = "save"

    @expose("/save", methods=["POST"])
    @has_access
    def save(self):
        list_name = request.form.get("list_name", "")
        if list_name not in _list_names(self.appbuilder):
            abort(404)
        from urllib.parse import parse_qsl

        args = dict(parse_qsl(request.form.get("args", ""), keep_blank_values=False))
        sharing = request.form.get("sharing", Sharing.PRIVATE)
        may_share = self.appbuilder.sm.has_access("can_share", self.class_permission_name)
        try:
            view = service.save_view(current_actor(), list_name, request.form.get("name", ""), args, sharing,
                                     may_share=may_share)
        except CrmError as error:
            flash(str(error.message), "danger")
            return redirect(_list_url(list_name, service.clean_args(args)))
        if request.form.get("make_default"):
            service.set_default(current_actor(), list_name, view.id)
        flash(str(_l("View “%(name)s” saved.", name=view.name)), "success")
        return redirect(_list_url(list_name, view.args, view.id))

    @expose("/<int:view_id>/open")
    @has_access
    def open(self, view_id: int):
        try:
            view = service.get_view(current_actor(), view_id)
        except CrmError:
            abort(404)
        return redirect(_list_url(view.list_name, view.args, view.id))

    @expose("/<int:view_id>/delete", methods=["POST"])
    @has_access
    def delete(self, view_id: int):
        try:
            view = service.get_view(current_actor(), view_id)
            list_name = view.list_name
            service.delete_view(current_actor(), view_id,
                                may_manage_all=self.appbuilder.sm.has_access("can_share", self.class_permission_name)
                                and any(r.name == "Admin" for r in current_actor().roles))
        except CrmError as error:
            if error.status_code == 404:
                abort(404)
            flash(str(error.message), "danger")
            return redirect(url_for("SavedViewView.open", view_id=view_id))
        flash(str(_l("View deleted.")), "success")
        return redirect(url_for(f"{list_name}.list", sv=0))

    @expose("/<int:view_id>/default", methods=["POST"])
    @has_access
    def default(self, view_id: int):
        try:
            view = service.get_view(current_actor(), view_id)
            keep = request.form.get("unset") != "1"
            service.set_default(current_actor(), view.list_name, view.id if keep else None)
        except CrmError:
            abort(404)
        flash(str(_l("Default view set.") if keep else _l("Default view removed.")), "success")
        return redirect(_list_url(view.list_name, view.args, view.id))

    @expose("/share")
    @has_access
    def share(self):
        """Holds the permission to share views with one's department or everyone (can_share)."""
        return redirect("/")


class SavedViewsMixin:
    """The list side: opens the user's default view, and fills the panel's "views" section."""

    @expose("/list/")
    @has_access
    def list(self):
        user = current_actor()
        if user is not None and not request.args:
            view = service.default_view(user, type(self).__name__)
            if view is not None:
                return redirect(_list_url(type(self).__name__, view.args, view.id))
        return super().list()

    def saved_views_context(self) -> dict:
        user = current_actor()
        if user is None:
            return {}
        list_name = type(self).__name__
        default = service.default_view(user, list_name)
        current = request.args.get("sv", "")
        args = {k: v for k, v in request.args.items() if k != "sv"}
        from urllib.parse import urlencode

        return {
            "saved_views": service.views_for(user, list_name),
            "saved_view_default": default.id if default else None,
            "saved_view_current": int(current) if current.isdigit() else None,
            "saved_view_list": list_name,
            "saved_view_args": urlencode(service.clean_args(args)),
            "saved_view_may_share": self.appbuilder.sm.has_access("can_share", "SavedViewView"),
            "saved_view_may_save": self.appbuilder.sm.has_access("can_save", "SavedViewView"),
            "saved_view_sharing": Sharing.choices(),
            "saved_view_user_id": user.id,
        }
