"""Export 导出 from any record list: the same filter, search and sort as the list, in the user's scope.

`/export/<entity>?format=csv|xlsx&<the list's arguments>` exports what the list shows;
`…&view=<id>` exports that saved view 场景 (one the user may open) whatever else is asked.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import get_locale

from app.security.current import current_actor
from app.services import export as export_service
from app.services.errors import NotFound

IGNORED_ARGS = ("format", "view")


class ExportView(BaseView):
    route_base = "/export"
    class_permission_name = "ExportView"
    method_permission_name = {"export": "export"}

    @expose("/<entity>")
    @has_access
    def export(self, entity: str):
        view = export_service.list_view(entity)
        if view is None:
            abort(404)
        if not self.appbuilder.sm.has_access("can_list", view.class_permission_name):
            abort(403)
        fmt = request.args.get("format", "csv")
        if fmt not in export_service.FORMATS:
            abort(400)
        locale = get_locale()
        try:
            req = export_service.request_for_list(
                entity, current_actor(), request.args, view_id=request.args.get("view") or None, fmt=fmt,
                door="ui", language=locale.language if locale else "zh",
                logged={k: v for k, v in request.args.items() if k not in IGNORED_ARGS})
        except NotFound as error:  # a saved view deleted, or not (any more) shared with this user
            flash(str(error.message), "danger")
            return redirect(url_for(f"{type(view).__name__}.list"))
        from app.api.transfer import export_response

        return export_response(req)
