"""Organisation screens: the department tree and each role's data scope."""

from __future__ import annotations

from flask_appbuilder import ModelView
from flask_babel import lazy_gettext as _l

from app.models import DataScope, Department, RoleDataScope

from .base import ReadableFormsMixin
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


class RoleDataScopeView(ReadableFormsMixin, ModelView):
    route_base = "/data-scope"
    datamodel = CrmInterface(RoleDataScope, eager=("role",))
    list_title = show_title = _l("Data scopes")
    add_title = _l("New data scope")
    edit_title = _l("Edit data scope")
    label_columns = COLUMN_LABELS
    list_columns = ["role", "entity", "scope"]
    add_columns = edit_columns = show_columns = ["role", "entity", "scope"]
    formatters_columns = {"scope": DataScope.label_of}
    description_columns = {
        "entity": _l("* for every record type, or one of lead, account, contact, opportunity, activity."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "scope": CodeSelectField(_l("Data scope"), enum=DataScope, required=True)
    }
