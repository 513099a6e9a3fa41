"""Every screen with its menu label, icon and category, in the order a salesperson works."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.views.account import AccountView
from app.views.activity import ActivityView, NoteView
from app.views.analytics import AnalyticsView
from app.views.api_keys import ApiKeyView
from app.views.contact import ContactView
from app.views.conversion import ConversionView
from app.views.custom_fields import CustomFieldView
from app.views.duplicates import DuplicatesView
from app.views.exporting import ExportView
from app.views.first_run import FirstRunView
from app.views.handover import HandoverView
from app.views.help import HelpView
from app.views.history import HistoryView
from app.views.home import HomeDefaultsView, HomeLayoutView
from app.views.importing import ImportView
from app.views.inquiry import InquiryView, TicketPortalView
from app.views.lead import LeadView
from app.views.lookups import LeadSourceView, LostReasonView, StageView, TagView
from app.views.notes import NotesView, RecentlyViewedView
from app.views.opportunity import OpportunityView
from app.views.organisation import DepartmentView, RoleDataScopeView
from app.views.picker import PickerView
from app.views.pipeline import PipelineView
from app.views.pool import HoldingCapView, PoolSettingsView, PoolView
from app.views.quick_add import QuickAddView
from app.views.recycle_bin import RecycleBinView
from app.views.rewards import BadgeView, PointRuleView, RewardsView
from app.views.saved_views import SavedViewView
from app.views.targets import TargetView
from app.views.tickets import (
    InquiryRuleView,
    TicketAssignmentRuleView,
    TicketCategoryView,
    TicketReportView,
    TicketSlaView,
    TicketView,
)
from app.views.todo import TodoView
from app.views.webhooks import WebhookView

SETTINGS = ("Settings", _l("Settings"), "fa-cogs")
ORGANISATION = ("Organisation", _l("Organisation"), "fa-sitemap")
SERVICE = ("Customer service", _l("Customer service"), "fa-headset")
PERFORMANCE = ("Performance", _l("Performance"), "fa-trophy")

# (view, menu name, label, icon, category)
MENU = (
    (LeadView, "Leads", _l("Leads"), "fa-filter", None),
    (AccountView, "Accounts", _l("Accounts"), "fa-building", None),
    (ContactView, "Contacts", _l("Contacts"), "fa-address-book", None),
    (OpportunityView, "Opportunities", _l("Opportunities"), "fa-handshake", None),
    (PipelineView, "Pipeline board", _l("Pipeline board"), "fa-columns", None),
    (ActivityView, "Activities", _l("Activities"), "fa-calendar-check", None),
    (TodoView, "My to-do", _l("My to-do"), "fa-tasks", None),
    (NoteView, "Notes", _l("Notes"), "fa-sticky-note", None),
    (AnalyticsView, "Analytics", _l("Analytics"), "fa-chart-pie", None),
    (ImportView, "Import", _l("Import"), "fa-file-import", None),
    (TicketView, "Tickets", _l("Tickets"), "fa-life-ring", SERVICE),
    (TicketReportView, "Service report", _l("Service report"), "fa-chart-bar", SERVICE),
    (TargetView, "Sales targets", _l("Sales targets"), "fa-bullseye", PERFORMANCE),
    (RewardsView, "Leaderboard", _l("Leaderboard"), "fa-trophy", PERFORMANCE),
    (FirstRunView, "First-run setup", _l("First-run setup"), "fa-flag-checkered", SETTINGS),
    (RecycleBinView, "Recycle bin", _l("Recycle bin"), "fa-trash-restore", SETTINGS),
    (DuplicatesView, "Duplicates", _l("Duplicates"), "fa-clone", SETTINGS),
    (PoolSettingsView, "Public pool rules", _l("Public pool rules"), "fa-water", SETTINGS),
    (HoldingCapView, "Holding caps", _l("Holding caps"), "fa-balance-scale", SETTINGS),
    (CustomFieldView, "Custom fields", _l("Custom fields"), "fa-puzzle-piece", SETTINGS),
    (StageView, "Stages", _l("Stages"), "fa-stream", SETTINGS),
    (LeadSourceView, "Sources", _l("Sources"), "fa-sign-in-alt", SETTINGS),
    (LostReasonView, "Lost reasons", _l("Lost reasons"), "fa-times-circle", SETTINGS),
    (TagView, "Tags", _l("Tags"), "fa-tags", SETTINGS),
    (HomeDefaultsView, "Home defaults", _l("Home defaults"), "fa-th-large", SETTINGS),
    (TicketCategoryView, "Ticket categories", _l("Ticket categories"), "fa-folder-open", SETTINGS),
    (TicketSlaView, "Service levels", _l("Service levels"), "fa-stopwatch", SETTINGS),
    (TicketAssignmentRuleView, "Ticket assignment", _l("Ticket assignment"), "fa-random", SETTINGS),
    (InquiryRuleView, "Inquiry form rule", _l("Inquiry form rule"), "fa-inbox", SETTINGS),
    (PointRuleView, "Point rules", _l("Point rules"), "fa-star-half-alt", SETTINGS),
    (BadgeView, "Badges", _l("Badges"), "fa-medal", SETTINGS),
    (DepartmentView, "Departments", _l("Departments"), "fa-sitemap", ORGANISATION),
    (RoleDataScopeView, "Data scopes", _l("Data scopes"), "fa-eye", ORGANISATION),
    (HandoverView, "Handover", _l("Handover"), "fa-people-arrows", ORGANISATION),
    (HistoryView, "History", _l("History"), "fa-history", ORGANISATION),
    (ApiKeyView, "API keys", _l("API keys"), "fa-key", ORGANISATION),
    (WebhookView, "Webhooks", _l("Event webhooks"), "fa-paper-plane", ORGANISATION),
)

NO_MENU = (SavedViewView, HelpView, PickerView, PoolView, QuickAddView, ConversionView, HomeLayoutView, NotesView, RecentlyViewedView, InquiryView, TicketPortalView, ExportView)


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
