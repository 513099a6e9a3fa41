"""Words for security codes: roles, permissions and views as people read them, in their language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .roles import role_label

PERMISSION_LABELS = {
    "can_list": _l("see the list"),
    "can_show": _l("open records"),
    "can_add": _l("add"),
    "can_edit": _l("edit"),
    "can_delete": _l("delete"),
    "can_search": _l("search"),
    "can_restore": _l("restore"),
    "can_destroy": _l("delete permanently"),
    "menu_access": _l("menu"),
    "can_userinfo": _l("own profile"),
    "can_this_form_get": _l("open the form"),
    "can_this_form_post": _l("submit the form"),
    "can_info": _l("field information"),
    "can_get": _l("read"),
    "can_put": _l("change"),
    "can_post": _l("create"),
    "can_chart": _l("charts"),
    "can_download": _l("download files"),
    "copyrole": _l("copy roles"),
    "resetmypassword": _l("change own password"),
    "resetpasswords": _l("reset passwords"),
    "userinfoedit": _l("edit own profile"),
    "claim": _l("claim from the pool"),
    "release": _l("return to the pool"),
    "assign": _l("assign"),
    "can_release": _l("return to the pool"),
    "can_assign": _l("assign"),
    "can_form": _l("use"),
}

# FAB's own screens, by view or menu name
_FAB_VIEWS = {
    "UserDBModelView": _l("Users"), "CrmUserView": _l("Users"), "List Users": _l("Users"),
    "RoleModelView": _l("Roles"), "CrmRoleView": _l("Roles"), "List Roles": _l("Roles"),
    "GroupModelView": _l("Groups"), "List Groups": _l("Groups"), "UserGroupModelView": _l("Groups"),
    "UserStatsChartView": _l("User statistics"), "User's Statistics": _l("User statistics"),
    "PermissionModelView": _l("Permissions"), "Base Permissions": _l("Permissions"),
    "ViewMenuModelView": _l("Views/Menus"), "Views/Menus": _l("Views/Menus"),
    "PermissionViewModelView": _l("Permission on Views/Menus"),
    "Permission on Views/Menus": _l("Permission on Views/Menus"),
    "Security": _l("Security"), "UserInfoEditView": _l("Profile"),
    "ResetPasswordView": _l("Reset password"), "ResetMyPasswordView": _l("Change my password"),
    "PickerView": _l("Record search"), "PoolView": _l("Public pool"), "MenuApi": _l("Menu"), "SecurityApi": _l("Login API"),
    "OpenApi": _l("API description"), "SwaggerView": _l("API documentation"),
}


def view_label(name: str) -> object:
    from app.navigation import MENU, ORGANISATION, SETTINGS

    for view, menu_name, label, _icon, _category in MENU:
        if name in (view.__name__, menu_name):
            return label
    for cat_name, cat_label, _icon in (SETTINGS, ORGANISATION):
        if name == cat_name:
            return cat_label
    return _FAB_VIEWS.get(name, name)


def permission_label(permission_view) -> str:
    """"see the list · Leads" instead of "can list on LeadView"."""
    perm = permission_view.permission.name if permission_view.permission else ""
    view = permission_view.view_menu.name if permission_view.view_menu else ""
    return f"{PERMISSION_LABELS.get(perm, perm)} · {view_label(view)}"


def roles_text(roles) -> str:
    return ", ".join(str(role_label(r.name)) for r in roles or [])
