"""Organisation screens: the department tree and each role's data scope."""

from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_babel import lazy_gettext as _l
from wtforms.validators import InputRequired

from app.extensions import db
from app.models import DataScope, Department, RoleDataScope, ScopedEntity
from app.security.roles import role_label

from .base import ReadableFormsMixin, typed_formatters
from .fields import CodeSelectField
from .interface import CrmInterface
from .labels import COLUMN_LABELS


class DepartmentView(ReadableFormsMixin, ModelView):
    route_base = "/department"
    datamodel = CrmInterface(Department, eager=("parent", "manager"))
    list_title = show_title = _l("Departments")
    add_title = _l("New department")
    edit_title = _l("Edit department")
    label_columns = {**COLUMN_LABELS, "parent": _l("Parent department")}
    base_order = ("path", "asc")
    list_columns = ["name", "parent", "manager"]
    add_columns = edit_columns = ["name", "parent", "manager"]
    show_columns = ["name", "parent", "manager", "created_at"]
    search_columns = ["name"]
    formatters_columns = typed_formatters(Department)


def _roles():
    from flask import current_app

    return db.session.query(current_app.appbuilder.sm.role_model).order_by("name").all()


def role_select_field() -> QuerySelectField:
    """A required role dropdown that shows roles by their translated names."""
    return QuerySelectField(_l("Role"), query_func=_roles, get_pk_func=lambda r: r.id,
                            get_label=lambda r: str(role_label(r.name)),
                            validators=[InputRequired()], widget=Select2Widget())


class RoleDataScopeView(ReadableFormsMixin, ModelView):
    route_base = "/data-scope"
    datamodel = CrmInterface(RoleDataScope, eager=("role",))
    list_title = show_title = _l("Data scopes")
    add_title = _l("New data scope")
    edit_title = _l("Edit data scope")
    label_columns = COLUMN_LABELS
    list_columns = ["role", "entity", "scope"]
    add_columns = edit_columns = show_columns = ["role", "entity", "scope"]
    search_columns = ["scope"]
    formatters_columns = {
        "scope": DataScope.label_of,
        "entity": ScopedEntity.label_of,
        "role": lambda role: role_label(role.name) if role is not None else "",
    }
    description_columns = {
        "entity": _l("A row for one record type overrides the role's row for every record type."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "role": role_select_field(),
        "entity": CodeSelectField(_l("Record type"), enum=ScopedEntity, required=True),
        "scope": CodeSelectField(_l("Data scope"), enum=DataScope, required=True),
    }
