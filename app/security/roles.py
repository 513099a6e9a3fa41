"""Built-in roles, declared as data: role → permissions → data scope.

`sync_roles` applies this table at `flask crm init`; afterwards admins may edit roles in the app,
and a later sync only *adds* what is missing, so their edits survive upgrades.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.models.role_scope import DataScope

READ = ("can_list", "can_show")
WRITE = READ + ("can_add", "can_edit")
FULL = WRITE + ("can_delete",)

# the CRM's record screens and their menu entries
RECORD_VIEWS = ("LeadView", "AccountView", "ContactView", "OpportunityView", "ActivityView", "NoteView")
RECORD_MENUS = ("Leads", "Accounts", "Contacts", "Opportunities", "Activities", "Notes")
LOOKUP_VIEWS = ("TagView", "StageView", "LeadSourceView", "LostReasonView", "DepartmentView")
# everyone's own profile and password
OWN_PROFILE = {
    "CrmUserView": ("can_userinfo", "userinfoedit", "resetmypassword"),
    "UserInfoEditView": ("can_this_form_get", "can_this_form_post"),
    "ResetMyPasswordView": ("can_this_form_get", "can_this_form_post"),
}
COMMON = {"PickerView": ("can_search",), "RecycleBinView": ("can_list", "can_restore"), **OWN_PROFILE}


@dataclass(frozen=True)
class RoleSpec:
    name: str  # stored in ab_role.name; FAB looks roles up by it
    label: object  # what people read, in their language
    scope: DataScope
    grants: dict[str, tuple[str, ...]]
    menus: tuple[str, ...]
    entity_scopes: dict[str, DataScope] = field(default_factory=dict)


def _grant(views, perms) -> dict[str, tuple[str, ...]]:
    return {v: perms for v in views}


POOL_ACTIONS = ("claim", "release")
_SALES_GRANTS = {
    **_grant(RECORD_VIEWS, FULL),
    **_grant(("LeadView", "AccountView"), FULL + POOL_ACTIONS),
    "PoolView": ("can_release",),
    **_grant(("TagView",), WRITE),
    **_grant(LOOKUP_VIEWS[1:], READ),
    **COMMON,
}
# managers also hand records to people (分配)
_MANAGER_GRANTS = {
    **_SALES_GRANTS,
    **_grant(("LeadView", "AccountView"), FULL + POOL_ACTIONS + ("assign",)),
    "PoolView": ("can_release", "can_assign"),
}

ROLES: tuple[RoleSpec, ...] = (
    RoleSpec("Admin", _l("Admin"), DataScope.ALL, {}, ()),
    RoleSpec(
        "Sales Director",
        _l("Sales Director"),
        DataScope.ALL,
        _MANAGER_GRANTS,
        RECORD_MENUS + ("Tags", "Recycle bin", "Settings"),
    ),
    RoleSpec(
        "Sales Manager",
        _l("Sales Manager"),
        DataScope.DEPARTMENT_TREE,
        _MANAGER_GRANTS,
        RECORD_MENUS + ("Tags", "Recycle bin", "Settings"),
    ),
    RoleSpec(
        "Sales Rep",
        _l("Sales Rep"),
        DataScope.SELF,
        _SALES_GRANTS,
        RECORD_MENUS + ("Recycle bin", "Settings"),
    ),
    RoleSpec(
        "Customer Service",
        _l("Customer Service"),
        DataScope.SELF,
        {
            **_grant(("AccountView", "ContactView"), READ),
            **_grant(("ActivityView", "NoteView"), FULL),
            **_grant(("StageView", "LeadSourceView"), READ),
            **COMMON,
        },
        ("Accounts", "Contacts", "Activities", "Notes", "Recycle bin", "Settings"),
        entity_scopes={"account": DataScope.ALL, "contact": DataScope.ALL},
    ),
    RoleSpec(
        "Executive",
        _l("Executive"),
        DataScope.ALL,
        {
            **_grant(RECORD_VIEWS, READ),
            **_grant(LOOKUP_VIEWS, READ),
            "PickerView": ("can_search",),
            **OWN_PROFILE,
        },
        RECORD_MENUS,
    ),
)

ROLE_BY_NAME = {r.name: r for r in ROLES}


def role_label(name: str) -> object:
    if name == "Public":  # FAB's role for visitors who are not logged in
        return _l("Public (not logged in)")
    spec = ROLE_BY_NAME.get(name)
    return spec.label if spec else name
