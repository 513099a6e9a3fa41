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
RECORD_MENUS = ("Leads", "Accounts", "Contacts", "Opportunities", "Pipeline board", "Activities", "My to-do", "Notes")
LOOKUP_VIEWS = ("TagView", "StageView", "LeadSourceView", "LostReasonView", "DepartmentView")
# everyone's own profile and password
OWN_PROFILE = {
    "CrmUserView": ("can_userinfo", "userinfoedit", "resetmypassword"),
    "UserInfoEditView": ("can_this_form_get", "can_this_form_post"),
    "ResetMyPasswordView": ("can_this_form_get", "can_this_form_post"),
}
COMMON = {"PickerView": ("can_search",), "RecycleBinView": ("can_list", "can_restore"), **OWN_PROFILE}
# everyone's own day: home page 主页, to-do and reminders, notes box and timeline, recently viewed
HOME_READ = {"HomeLayoutView": ("can_customise",), "TodoView": ("can_list",),
             "NotesView": ("can_timeline",), "RecentlyViewedView": ("can_menu",), "HelpView": ("can_help",)}
COMMON = {**COMMON, **HOME_READ, "TodoView": ("can_list", "can_complete"),
          "NotesView": ("can_timeline", "can_note")}
# saved views 场景 (app/views/saved_views.py): everyone keeps their own; managers also share them
SAVED_VIEWS = ("can_save", "can_open", "can_delete", "can_default")
COMMON = {**COMMON, "SavedViewView": SAVED_VIEWS}
# tickets 工单: salespeople read their customers' tickets; customer service works them
TICKET_MENUS = ("Customer service", "Tickets")
TICKET_REPORT = {"TicketReportView": ("can_index",)}
# the REST API (app/api/): per resource the same rights as the screens; operations by name
API_READ = ("can_get", "can_info")
API_WRITE = API_READ + ("can_post", "can_put")
API_FULL = API_WRITE + ("can_delete",)
RECORD_APIS = ("LeadApi", "AccountApi", "ContactApi", "OpportunityApi", "ActivityApi", "NoteApi")
LOOKUP_APIS = ("StageApi", "SourceApi", "DepartmentApi", "TagApi")
_SALES_API = {
    **{api: API_FULL for api in RECORD_APIS},
    "LeadApi": API_FULL + ("can_claim", "can_release", "can_convert", "can_merge"),
    "AccountApi": API_FULL + ("can_claim", "can_release", "can_merge"),
    "ContactApi": API_FULL + ("can_merge",),
    **{api: API_READ for api in LOOKUP_APIS[:3]},
    "TagApi": API_WRITE,
}
# an ERP/SCM system signing in with an API key: reads and upserts customers and deals, no more
INTEGRATION_API = {
    **{api: API_WRITE for api in ("LeadApi", "AccountApi", "ContactApi", "OpportunityApi")},
    **{api: API_READ for api in LOOKUP_APIS},
}


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
    "QuickAddView": ("can_add",),  # quick add 快速录入 from the navbar
    **_grant(("TagView",), WRITE),
    **_grant(LOOKUP_VIEWS[1:], READ),
    "TicketView": READ,
    **COMMON,
    **_SALES_API,
}
# managers also hand records to people (分配)
_MANAGER_GRANTS = {
    **_SALES_GRANTS,
    **_grant(("LeadView", "AccountView"), FULL + POOL_ACTIONS + ("assign",)),
    **_grant(("ContactView", "OpportunityView"), FULL + ("assign",)),  # bulk "assign" (批量分配)
    "PoolView": ("can_release", "can_assign"),
}

# lead conversion 线索转化 and duplicates/merge 查重合并 (app/views/conversion.py, duplicates.py)
LIFECYCLE_GRANTS = {"ConversionView": ("can_convert",), "DuplicatesView": ("can_list", "can_merge")}
for _grants in (_SALES_GRANTS, _MANAGER_GRANTS):
    _grants["LeadView"] = _grants["LeadView"] + ("convert",)
    _grants.update(LIFECYCLE_GRANTS)
# import 导入 / export 导出 (app/views/importing.py, exporting.py, app/api/transfer.py); executives export only
TRANSFER_GRANTS = {"ImportView": ("can_import",), "ExportView": ("can_export",),
                   "TransferApi": ("can_import", "can_export")}
EXPORT_ONLY = {"ExportView": ("can_export",), "TransferApi": ("can_export",)}
for _grants in (_SALES_GRANTS, _MANAGER_GRANTS):
    _grants.update(TRANSFER_GRANTS)
    for _view in ("LeadView", "AccountView", "ContactView", "OpportunityView"):  # bulk "export selected"
        _grants[_view] = _grants[_view] + ("export_selected",)
# analytics 数据分析 (app/views/analytics.py, app/api/analytics.py): dashboards in one's own data
# scope for reps, managers, directors and executives; managers and directors also build charts
ANALYTICS_READ = {"AnalyticsView": ("can_read",), "AnalyticsApi": ("can_get",)}
_SALES_GRANTS.update(ANALYTICS_READ)
_MANAGER_GRANTS.update(ANALYTICS_READ, AnalyticsView=("can_read", "can_build"))
# sales targets 业绩目标 and the leaderboard 积分排行 (app/views/targets.py, rewards.py): sales people
# see the targets in their scope and the company-wide leaderboard; managers and directors set targets
PERFORMANCE_READ = {"TargetView": ("can_list",), "RewardsView": ("can_list",)}
PERFORMANCE_MENUS = ("Performance", "Sales targets", "Leaderboard")
_SALES_GRANTS.update(PERFORMANCE_READ)
# the pipeline board 销售漏斗看板 (app/views/pipeline.py): reps, managers and directors move cards
PIPELINE_WORK = {"PipelineView": ("can_list", "can_move")}
_SALES_GRANTS.update(PIPELINE_WORK)
_MANAGER_GRANTS.update(PIPELINE_WORK)
_MANAGER_GRANTS.update(PERFORMANCE_READ, TargetView=("can_list", "can_edit"))
_MANAGER_GRANTS["SavedViewView"] = SAVED_VIEWS + ("can_share",)

ROLES: tuple[RoleSpec, ...] = (
    RoleSpec("Admin", _l("Admin"), DataScope.ALL, {}, ()),
    RoleSpec(
        "Sales Director",
        _l("Sales Director"),
        DataScope.ALL,
        {**_MANAGER_GRANTS, **TICKET_REPORT},
        RECORD_MENUS + ("Tags", "Recycle bin", "Duplicates", "Settings") + TICKET_MENUS + ("Service report",) + ("Import",)
        + ("Analytics",) + PERFORMANCE_MENUS,
    ),
    RoleSpec(
        "Sales Manager",
        _l("Sales Manager"),
        DataScope.DEPARTMENT_TREE,
        _MANAGER_GRANTS,
        RECORD_MENUS + ("Tags", "Recycle bin", "Duplicates", "Settings") + TICKET_MENUS + ("Import",) + ("Analytics",)
        + PERFORMANCE_MENUS,
    ),
    RoleSpec(
        "Sales Rep",
        _l("Sales Rep"),
        DataScope.SELF,
        _SALES_GRANTS,
        RECORD_MENUS + ("Recycle bin", "Duplicates", "Settings") + TICKET_MENUS + ("Import",) + ("Analytics",)
        + PERFORMANCE_MENUS,
    ),
    RoleSpec(
        "Customer Service",
        _l("Customer Service"),
        DataScope.SELF,
        {
            **_grant(("AccountView", "ContactView"), READ),
            **_grant(("ActivityView", "NoteView"), FULL),
            **_grant(("StageView", "LeadSourceView"), READ),
            "TicketView": WRITE + ("can_work",),
            **TICKET_REPORT,
            **COMMON,
            **{api: API_READ for api in ("AccountApi", "ContactApi", "StageApi", "SourceApi")},
            **{api: API_FULL for api in ("ActivityApi", "NoteApi")},
            "RewardsView": ("can_list",),
        },
        ("Accounts", "Contacts", "Activities", "My to-do", "Notes", "Recycle bin", "Settings") + TICKET_MENUS
        + ("Service report",) + ("Performance", "Leaderboard"),
        entity_scopes={"account": DataScope.ALL, "contact": DataScope.ALL, "ticket": DataScope.ALL},
    ),
    RoleSpec(
        "Executive",
        _l("Executive"),
        DataScope.ALL,
        {
            **_grant(RECORD_VIEWS, READ),
            **_grant(LOOKUP_VIEWS, READ),
            "TicketView": READ,
            **TICKET_REPORT,
            "PickerView": ("can_search",),
            **OWN_PROFILE,
            **HOME_READ,
            **{api: API_READ for api in RECORD_APIS + LOOKUP_APIS},
            **EXPORT_ONLY,
            **ANALYTICS_READ,
            **PERFORMANCE_READ,
            "PipelineView": ("can_list",),
        },
        RECORD_MENUS + TICKET_MENUS + ("Service report",) + ("Analytics",) + PERFORMANCE_MENUS,
    ),
    # 集成账号: the user an API key of another system acts as; sees all records so a sync is
    # complete (narrow it under Organisation → Data scopes), and has no screens
    RoleSpec("Integration", _l("Integration"), DataScope.ALL, INTEGRATION_API, ()),
)

ROLE_BY_NAME = {r.name: r for r in ROLES}


def role_label(name: str) -> object:
    if name == "Public":  # FAB's role for visitors who are not logged in
        return _l("Public (not logged in)")
    spec = ROLE_BY_NAME.get(name)
    return spec.label if spec else name
