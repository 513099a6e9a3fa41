"""Every screen with its menu label, icon and category, in the order a salesperson works."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.views.account import AccountView
from app.views.activity import ActivityView, NoteView
from app.views.contact import ContactView
from app.views.handover import HandoverView
from app.views.history import HistoryView
from app.views.lead import LeadView
from app.views.lookups import LeadSourceView, LostReasonView, StageView, TagView
from app.views.opportunity import OpportunityView
from app.views.organisation import DepartmentView, RoleDataScopeView
from app.views.picker import PickerView
from app.views.pool import HoldingCapView, PoolSettingsView, PoolView
from app.views.recycle_bin import RecycleBinView

SETTINGS = ("Settings", _l("Settings"), "fa-cogs")
ORGANISATION = ("Organisation", _l("Organisation"), "fa-sitemap")

# (view, menu name, label, icon, category)
MENU = (
    (LeadView, "Leads", _l("Leads"), "fa-filter", None),
    (AccountView, "Accounts", _l("Accounts"), "fa-building", None),
    (ContactView, "Contacts", _l("Contacts"), "fa-address-book", None),
    (OpportunityView, "Opportunities", _l("Opportunities"), "fa-handshake", None),
    (ActivityView, "Activities", _l("Activities"), "fa-calendar-check", None),
    (NoteView, "Notes", _l("Notes"), "fa-sticky-note", None),
    (RecycleBinView, "Recycle bin", _l("Recycle bin"), "fa-trash-restore", SETTINGS),
    (PoolSettingsView, "Public pool rules", _l("Public pool rules"), "fa-water", SETTINGS),
    (HoldingCapView, "Holding caps", _l("Holding caps"), "fa-balance-scale", SETTINGS),
    (StageView, "Stages", _l("Stages"), "fa-stream", SETTINGS),
    (LeadSourceView, "Sources", _l("Sources"), "fa-sign-in-alt", SETTINGS),
    (LostReasonView, "Lost reasons", _l("Lost reasons"), "fa-times-circle", SETTINGS),
    (TagView, "Tags", _l("Tags"), "fa-tags", SETTINGS),
    (DepartmentView, "Departments", _l("Departments"), "fa-sitemap", ORGANISATION),
    (RoleDataScopeView, "Data scopes", _l("Data scopes"), "fa-eye", ORGANISATION),
    (HandoverView, "Handover", _l("Handover"), "fa-people-arrows", ORGANISATION),
    (HistoryView, "History", _l("History"), "fa-history", ORGANISATION),
)

NO_MENU = (PickerView, PoolView)


def register(appbuilder) -> None:
    for view, name, label, icon, category in MENU:
        if category is None:
            appbuilder.add_view(view, name, label=label, icon=icon)
        else:
            cat, cat_label, cat_icon = category
            appbuilder.add_view(view, name, label=label, icon=icon, category=cat,
                                category_label=cat_label, category_icon=cat_icon)
    for view in NO_MENU:
        appbuilder.add_view_no_menu(view)
    # FAB adds its Security menu first; the CRM's own work belongs in front of it.
    items = appbuilder.menu.menu
    items.sort(key=lambda item: item.name == "Security")
