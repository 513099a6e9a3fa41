"""Security manager: FAB's, with the CRM's user profile (department, manager, phone)."""

from __future__ import annotations

from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l

from app.models import CrmUser

_PROFILE = ["department", "manager", "phone"]


class CrmUserView(UserDBModelView):
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
    list_widget_eager = ("department",)


class CrmSecurityManager(SecurityManager):
    user_model = CrmUser
    userdbmodelview = CrmUserView
