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
    "export_selected": _l("export selected"),
    "can_release": _l("return to the pool"),
    "can_assign": _l("assign"),
    "convert": _l("convert leads"),
    "can_convert": _l("convert leads"),
    "can_merge": _l("merge duplicates"),
    "can_form": _l("use"),
    "can_customise": _l("arrange own home page"), "can_complete": _l("complete activities"),
    "can_timeline": _l("see the timeline"), "can_note": _l("write notes"), "can_menu": _l("menu"),
    "can_work": _l("work on tickets (reply, status, assign)"),
    "can_index": _l("open"),
    "can_claim": _l("claim from the pool"), "can_revoke": _l("revoke"),
    "can_read": _l("read dashboards"), "can_build": _l("build and save charts"),
    "can_export": _l("export"), "can_import": _l("import"),
    "can_save": _l("save list views"), "can_open": _l("open saved views"),
    "can_default": _l("choose a default view"), "can_share": _l("share views with the department or everyone"),
    "can_setup": _l("set up the company (first run)"),
    "can_help": _l("read the help"),
    "can_move": _l("move opportunities between stages"),
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
    "HomeLayoutView": _l("Home"), "NotesView": _l("Notes and timeline"),
    "RecentlyViewedView": _l("Recently viewed"),
    "PickerView": _l("Record search"), "PoolView": _l("Public pool"), "QuickAddView": _l("Quick add"), "ConversionView": _l("Lead conversion"), "MenuApi": _l("Menu"), "SecurityApi": _l("Login API"),
    "OpenApi": _l("API description"), "SwaggerView": _l("API documentation"),
    # the REST API, per resource (app/api/)
    "LeadApi": _l("API: leads"), "AccountApi": _l("API: accounts"), "ContactApi": _l("API: contacts"),
    "OpportunityApi": _l("API: opportunities"), "ActivityApi": _l("API: activities"),
    "NoteApi": _l("API: notes"), "TagApi": _l("API: tags"), "DepartmentApi": _l("API: departments"),
    "StageApi": _l("API: stages"), "SourceApi": _l("API: sources"),
    "AnalyticsApi": _l("API: analytics"), "TransferApi": _l("API: import and export"),
    "ExportView": _l("Export"),
    "SavedViewView": _l("Saved views"),
    "HelpView": _l("Help"),
}


def view_label(name: str) -> object:
    from app.navigation import MENU, ORGANISATION, PERFORMANCE, SERVICE, SETTINGS

    for view, menu_name, label, _icon, _category in MENU:
        if name in (view.__name__, menu_name):
            return label
    for cat_name, cat_label, _icon in (SETTINGS, ORGANISATION, SERVICE, PERFORMANCE):
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
