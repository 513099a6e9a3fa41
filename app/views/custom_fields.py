"""Custom fields 自定义字段 admin screen (Settings → Custom fields): add, change, reorder, hide, retire."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _l

from app.models.custom_field import FieldKind
from app.security.roles import role_label
from app.services import custom_fields as service
from app.services.errors import CrmError


def _form_input() -> service.FieldInput:
    form = request.form
    return service.FieldInput(
        label_zh=form.get("label_zh", ""), label_en=form.get("label_en", ""),
        kind=form.get("kind", FieldKind.TEXT), help_zh=form.get("help_zh", ""), help_en=form.get("help_en", ""),
        choices_text=form.get("choices", ""), link_entity=form.get("link_entity") or None,
        required=bool(form.get("required")), unique=bool(form.get("unique")),
        default_value=form.get("default_value", ""), in_list=bool(form.get("in_list")),
        searchable=bool(form.get("searchable")), duplicate_check=bool(form.get("duplicate_check")),
        view_roles=form.getlist("view_roles"), edit_roles=form.getlist("edit_roles"))


class CustomFieldView(BaseView):
    route_base = "/custom-fields"
    default_view = "index"

    def _roles(self):
        return [(r.name, role_label(r.name)) for r in self.appbuilder.sm.get_all_roles()]

    def _page(self, template: str, **kwargs):
        return self.render_template(
            template, entities=service.ENTITY_LABELS, kinds=FieldKind.choices(), roles=self._roles(),
            title=_l("Custom fields"), **kwargs)

    @expose("/")
    @has_access
    def index(self):
        entity = request.args.get("entity", "lead")
        if entity not in service.ENTITIES:
            abort(404)
        fields = service.fields_for(entity, include_hidden=True, include_retired=True)
        return self._page("crm/custom_fields/index.html", entity=entity, fields=fields)

    @expose("/add/<entity>", methods=["GET", "POST"])
    @has_access
    def add(self, entity: str):
        if entity not in service.ENTITIES:
            abort(404)
        data = _form_input() if request.method == "POST" else service.FieldInput("", "")
        if request.method == "POST":
            try:
                definition = service.create_field(entity, data)
            except CrmError as error:
                flash(str(error.message), "danger")
            else:
                flash(str(_l("Field “%(name)s” added.", name=definition.label)), "success")
                return redirect(url_for("CustomFieldView.index", entity=entity))
        return self._page("crm/custom_fields/form.html", entity=entity, field=None, data=data)

    @expose("/<int:field_id>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, field_id: int):
        try:
            definition = service.get_field(field_id)
        except CrmError:
            abort(404)
        if request.method == "POST":
            data = _form_input()
            try:
                service.update_field(field_id, data)
            except CrmError as error:
                flash(str(error.message), "danger")
            else:
                flash(str(_l("Field “%(name)s” saved.", name=definition.label)), "success")
                return redirect(url_for("CustomFieldView.index", entity=definition.entity))
        else:
            data = service.FieldInput(
                label_zh=definition.label_zh, label_en=definition.label_en, kind=definition.kind,
                help_zh=definition.help_zh or "", help_en=definition.help_en or "",
                choices_text=service.choices_text(definition), link_entity=definition.link_entity,
                required=definition.required, unique=definition.unique,
                default_value=definition.default_value or "", in_list=definition.in_list,
                searchable=definition.searchable, duplicate_check=definition.duplicate_check,
                view_roles=list(definition.view_roles or []), edit_roles=list(definition.edit_roles or []))
        return self._page("crm/custom_fields/form.html", entity=definition.entity, field=definition, data=data)

    @expose("/<int:field_id>/<string:operation>", methods=["POST"])
    @has_access
    @permission_name("edit")
    def operate(self, field_id: int, operation: str):
        try:
            definition = service.get_field(field_id)
            entity = definition.entity
            if operation in ("up", "down"):
                service.move_field(field_id, -1 if operation == "up" else 1)
            elif operation in ("hide", "show"):
                service.set_hidden(field_id, operation == "hide")
            elif operation == "retire":
                service.retire_field(field_id)
                flash(str(_l("Field retired: it is hidden everywhere and its values are kept.")), "success")
            elif operation == "restore":
                service.restore_field(field_id)
            else:
                abort(404)
        except CrmError:
            abort(404)
        return redirect(url_for("CustomFieldView.index", entity=entity))
