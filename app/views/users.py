"""User and role screens: FAB's, with the CRM's profile and everything in words, not codes."""

from __future__ import annotations

from flask_appbuilder.security.views import RoleModelView, UserDBModelView
from flask_appbuilder.widgets import ListWidget, ShowWidget
from flask_babel import lazy_gettext as _l
from wtforms.fields.core import UnboundField

from app.models import CrmUser
from app.security.labels import permission_label, roles_text
from app.security.roles import role_label

from .base import ReadableFormsMixin, typed_formatters

_PROFILE = ["department", "manager", "phone"]


class CrmUserView(ReadableFormsMixin, UserDBModelView):
    label_columns = {
        **UserDBModelView.label_columns,
        "department": _l("Department"),
        "manager": _l("Manager"),
        "phone": _l("Phone"),
    }
    list_columns = ["first_name", "last_name", "username", "email", "department", "active", "roles"]
    add_columns = UserDBModelView.add_columns + _PROFILE
    edit_columns = UserDBModelView.edit_columns + _PROFILE
    show_fieldsets = [
        (
            _l("User info"),
            {"fields": ["username", "active", "roles", "login_count"]},
        ),
        (
            _l("Personal Info"),
            {"fields": ["first_name", "last_name", "email", "phone"], "expanded": True},
        ),
        (_l("Organisation"), {"fields": ["department", "manager"], "expanded": True}),
        (
            _l("Audit Info"),
            {
                "fields": ["last_login", "fail_login_count", "created_on", "changed_on"],
                "expanded": False,
            },
        ),
    ]
    user_show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "login_count"]}),
        (
            _l("Personal Info"),
            {"fields": ["first_name", "last_name", "email", "phone", "department"], "expanded": True},
        ),
    ]
    formatters_columns = {
        **typed_formatters(CrmUser),
        "roles": roles_text,
        "active": lambda v: _l("Yes") if v else _l("No"),
    }

    def _init_forms(self):
        super()._init_forms()
        _label_choices(self, "roles", lambda role: str(role_label(role.name)))


class CrmRoleView(ReadableFormsMixin, RoleModelView):
    """FAB's role screens with roles and permissions in words (its own widgets print codes)."""

    list_widget = ListWidget
    show_widget = ShowWidget
    label_columns = {**RoleModelView.label_columns, "user": _l("Users"), "groups": _l("Groups")}
    search_columns = ["name"]
    formatters_columns = {
        "name": role_label,
        "permissions": lambda perms: "\n".join(sorted(permission_label(p) for p in perms or [])),
    }

    def _init_forms(self):
        super()._init_forms()
        _label_choices(self, "permissions", permission_label)


def _label_choices(view, field_name: str, get_label) -> None:
    """Show a relationship dropdown's choices in words rather than their stored codes."""
    for form in (view.add_form, view.edit_form, view.search_form):
        field = getattr(form, field_name, None)
        if isinstance(field, UnboundField):
            field.kwargs["get_label"] = get_label
