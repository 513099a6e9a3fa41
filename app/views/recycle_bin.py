"""Recycle bin 回收站 screen: the door onto app.services.recycle_bin."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.security.current import current_actor
from app.services import recycle_bin
from app.services.errors import CrmError

ENTITY_LABELS = {
    "lead": _l("Lead"), "account": _l("Account"), "contact": _l("Contact"),
    "opportunity": _l("Opportunity"), "activity": _l("Activity"), "note": _l("Note"),
    "ticket": _l("Ticket"),
}


class RecycleBinView(BaseView):
    route_base = "/recycle-bin"
    default_view = "list"
    base_permissions = ["can_list", "can_restore", "can_destroy"]

    @expose("/")
    @has_access
    def list(self):
        entity = request.args.get("entity") or None
        if entity is not None and entity not in recycle_bin.BIN_ENTITIES:
            abort(404)
        rows = recycle_bin.deleted_records(db.session, current_actor(), entity)
        return self.render_template(
            "crm/recycle_bin.html",
            rows=rows,
            entity=entity,
            entity_labels=ENTITY_LABELS,
            retention=current_app.config["CRM_RECYCLE_RETENTION_DAYS"],
            can_destroy=self.appbuilder.sm.has_access("can_destroy", self.class_permission_name),
        )

    @expose("/<entity>/<int:pk>/restore", methods=["POST"])
    @has_access
    def restore(self, entity: str, pk: int):
        return self._apply(recycle_bin.restore, entity, pk, _l("Restored."))

    @expose("/<entity>/<int:pk>/destroy", methods=["POST"])
    @has_access
    def destroy(self, entity: str, pk: int):
        return self._apply(recycle_bin.destroy, entity, pk, _l("Deleted permanently."))

    def _apply(self, operation, entity: str, pk: int, done_message):
        model = recycle_bin.BIN_ENTITIES.get(entity)
        if model is None:
            abort(404)
        try:
            operation(db.session, model, pk, current_actor())
        except CrmError as error:
            if error.status_code == 404:
                abort(404)
            flash(str(error.message), "danger")
        else:
            flash(str(done_message), "success")
        return redirect(url_for(".list", entity=request.args.get("entity")))
