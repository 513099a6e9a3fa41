"""Bulk action doors 批量操作 on the lead, account, contact and opportunity lists.

A list action (FAB's dropdown) receives the ticked ids — or, with "select all N records matching
this filter", nothing but the list's own query string — and answers with a small form asking for
the parameter (which owner, which status, which tags …). That form posts to `<view>/bulk/<action>`
with the same query string, so the filter is evaluated again on the server, inside the user's data
scope, by the very filters the list used. The rules live in app.services.bulk.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.urltools import get_filter_args
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import LeadStatus, LostReason, Stage, Tag, UnqualifiedReason
from app.security.current import current_actor
from app.services import bulk
from app.services.errors import CrmError

# list action -> service operation
ACTIONS = {
    "assign": "assign",
    "release": "release",
    "set_status": "status",
    "set_stage": "stage",
    "add_tags": "add_tags",
    "remove_tags": "remove_tags",
    "bulk_delete": "delete",
    "bulk_convert": "convert",
    "export_selected": "export",
}
TITLES = {
    "assign": _l("Assign"),
    "release": _l("Return to the pool"),
    "set_status": _l("Change status"),
    "set_stage": _l("Change stage"),
    "add_tags": _l("Add tags"),
    "remove_tags": _l("Remove tags"),
    "bulk_delete": _l("Delete"),
    "bulk_convert": _l("Convert"),
    "export_selected": _l("Export selected"),
}
DONE = {
    "assign": _l("Assigned"),
    "release": _l("Returned to the pool"),
    "set_status": _l("Status changed"),
    "set_stage": _l("Stage changed"),
    "add_tags": _l("Tags added"),
    "remove_tags": _l("Tags removed"),
    "bulk_delete": _l("Moved to the recycle bin"),
    "bulk_convert": _l("Converted"),
}
# actions that take ticked ids only, and the bulk action that does the same for a whole filter
FILTER_TWINS = {"convert": "bulk_convert"}
# arguments of the action form itself, never part of the list's filter
FORM_KEYS = {"csrf_token", "selection", "ids", "action", "rowid"}


class BulkActionsMixin:
    """Mixed into CrmModelView; a view offers the actions its entity has in app.services.bulk."""

    # actions whose FAB permission is an ordinary one (edit / delete) rather than their own name
    method_permission_name = {"set_status": "edit", "set_stage": "edit", "add_tags": "edit",
                              "remove_tags": "edit", "bulk_delete": "delete", "bulk_convert": "edit"}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        entity = self._bulk_entity()
        for name, operation in ACTIONS.items():
            keep = entity is not None and entity in bulk.OPERATIONS[operation][0]
            if operation == "convert":
                keep = keep and bulk.conversion_available()
            if operation == "export":
                keep = keep and bulk.export_available()
            if not keep and name in self.actions:
                del self.actions[name]
                if name not in self.method_permission_name and name in self.base_permissions:
                    self.base_permissions.remove(name)  # e.g. no "release" on contacts

    def _bulk_entity(self) -> str | None:
        entity = getattr(self, "history_entity", None)
        return entity if entity in bulk.MODELS else None

    # -- the list actions: each opens its form ------------------------------------------------
    @action("assign", _l("Assign"), None, "fa-user-plus")
    def assign(self, ids):
        return self._bulk_form("assign", ids)

    @action("release", _l("Return to the pool"), None, "fa-undo")
    def release(self, ids):
        return self._bulk_form("release", ids)

    @action("set_status", _l("Change status"), None, "fa-flag", single=False)
    def set_status(self, ids):
        return self._bulk_form("set_status", ids)

    @action("set_stage", _l("Change stage"), None, "fa-stream", single=False)
    def set_stage(self, ids):
        return self._bulk_form("set_stage", ids)

    @action("add_tags", _l("Add tags"), None, "fa-tag", single=False)
    def add_tags(self, ids):
        return self._bulk_form("add_tags", ids)

    @action("remove_tags", _l("Remove tags"), None, "fa-eraser", single=False)
    def remove_tags(self, ids):
        return self._bulk_form("remove_tags", ids)

    @action("bulk_delete", _l("Delete"), None, "fa-trash", single=False)
    def bulk_delete(self, ids):
        return self._bulk_form("bulk_delete", ids)

    # not in the menu: the lead-lifecycle "convert" action (ids only) hands "all matching" over to it
    @action("bulk_convert", _l("Convert"), None, "fa-exchange-alt", multiple=False, single=False)
    def bulk_convert(self, ids):
        return self._bulk_form("bulk_convert", ids)

    @action("export_selected", _l("Export selected"), None, "fa-file-export", single=False)
    def export_selected(self, ids):
        return self._bulk_form("export_selected", ids)

    # -- the form and its submission ----------------------------------------------------------
    @expose("/bulk/<name>", methods=["POST"])
    def bulk(self, name):
        user = current_actor()
        if user is None:
            return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
        entity, operation = self._bulk_operation(name, user)
        selection = self._selection(request.form.get("selection") == "filter",
                                    request.form.get("ids", "").split(","))
        try:
            if operation == "export":
                return self._export(entity, selection, user)
            result = self._run(entity, operation, selection, user)
        except CrmError as error:
            flash(str(error.message), "danger")
            return self._bulk_form(name, None if selection.by_filter else list(selection.ids))
        from .pool import flash_outcome

        flash_outcome(result, DONE[name])
        return redirect(self._back_to_list())

    def _bulk_form(self, name: str, ids: list[int] | None):
        """The page asking for the action's parameter. `ids` None: all records matching the filter."""
        user = current_actor()
        entity, operation = self._bulk_operation(name, user)
        selection = self._selection(ids is None, ids or [])
        if not selection.by_filter and not selection.ids:
            flash(str(_l("Select at least one record.")), "warning")
            return redirect(self._back_to_list())
        return self.render_template(
            "crm/bulk_form.html",
            title=TITLES[name],
            name=name,
            entity=entity,
            by_filter=selection.by_filter,
            ids=selection.ids or (),
            count=bulk.count(entity, selection, user),
            post_url=url_for(f"{self.__class__.__name__}.bulk", name=name, **self._list_args()),
            back=self._back_to_list(),
            choices=self._choices(name, entity, user),
        )

    def _bulk_operation(self, name: str, user) -> tuple[str, str]:
        entity = self._bulk_entity()
        if name not in ACTIONS or name not in self.actions or entity is None:
            abort(404)
        operation = ACTIONS[name]
        if not bulk.allowed(user, entity, operation):
            abort(403)
        return entity, operation

    def _selection(self, by_filter: bool, raw_ids) -> bulk.Selection:
        if not by_filter:
            return bulk.Selection.of(raw_ids)
        return bulk.Selection.matching(self._filter_clause())

    def _filter_clause(self):
        """The list's filters (scope, left panel, FAB's search) from this request's query string."""
        get_filter_args(self._filters)
        joined = self._filters.get_joined_filters(self._base_filters)
        model = self.datamodel.obj
        query = self.datamodel._apply_inner_all(self.datamodel.session.query(model), joined, aliases_mapping={})
        return model.id.in_(query.with_entities(model.id).order_by(None).statement)

    @staticmethod
    def _list_args() -> dict:
        return {k: v for k, v in request.args.items() if k not in FORM_KEYS}

    def _back_to_list(self) -> str:
        return url_for(f"{self.__class__.__name__}.list", **self._list_args())

    @staticmethod
    def _export(entity: str, selection: bulk.Selection, user):
        """The file itself, through the export feature (app/services/export.py, app/api/transfer.py)."""
        from flask_babel import get_locale

        from app.api.transfer import export_response

        locale = get_locale()
        req = bulk.export_request(entity, selection, user, request.form.get("format", "csv"),
                                  locale.language if locale else "zh")
        return export_response(req)

    def _run(self, entity: str, operation: str, selection: bulk.Selection, user):
        form = request.form
        if operation == "assign":
            return bulk.assign(entity, selection, user, form.get("user_id", ""))
        if operation == "release":
            return bulk.release(entity, selection, user, form.get("reason", ""))
        if operation == "status":
            return bulk.change_status(selection, user, form.get("status", ""),
                                      form.get("unqualified_reason") or None)
        if operation == "stage":
            return bulk.change_stage(selection, user, form.get("stage_id", ""),
                                     form.get("lost_reason_id") or None)
        if operation == "add_tags":
            names = [n for n in form.get("new_tags", "").replace("，", ",").split(",")]
            return bulk.add_tags(entity, selection, user, form.getlist("tag_ids"), names)
        if operation == "remove_tags":
            return bulk.remove_tags(entity, selection, user, form.getlist("tag_ids"))
        if operation == "delete":
            return bulk.soft_delete(entity, selection, user)
        return bulk.convert(selection, user, create_opportunity=form.get("create_opportunity") == "1")

    @staticmethod
    def _choices(name: str, entity: str, user) -> dict:
        if name == "assign":
            from .pool import assignable_users

            return {"users": assignable_users(user, entity)}
        if name == "set_status":
            return {"statuses": [c for c in LeadStatus.choices() if c[0] != LeadStatus.CONVERTED],
                    "reasons": UnqualifiedReason.choices()}
        if name == "set_stage":
            stages = db.session.scalars(select(Stage).where(Stage.active).order_by(Stage.sort_order))
            reasons = db.session.scalars(select(LostReason).where(LostReason.active)
                                         .order_by(LostReason.sort_order))
            return {"stages": list(stages), "lost_reasons": list(reasons)}
        if name in ("add_tags", "remove_tags"):
            from flask import current_app

            tags = db.session.scalars(select(Tag).order_by(Tag.name).limit(500))
            return {"tags": list(tags),
                    "may_create": name == "add_tags"
                    and current_app.appbuilder.sm.has_access("can_add", "TagView")}
        return {}
