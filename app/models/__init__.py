"""The CRM's nouns. Importing this package registers every table on FAB's metadata."""

from .account import Account
from .activity import PARENTS, Activity, Note
from .analytics import ForecastSnapshot, SavedChart  # noqa: F401
from .analytics_rollup import ActivityDay, BulkWrite, LeadMonth, RollupState  # noqa: F401
from .api_key import ApiKey  # noqa: F401
from .capture import CapturePreference  # noqa: F401
from .contact import Contact
from .custom_field import CustomField, FieldKind  # noqa: F401
from .department import Department
from .enums import (
    AccountLevel,
    ActivityType,
    Channel,
    Currency,
    Industry,
    LeadStatus,
    Rating,
    UnqualifiedReason,
)
from .event import CrmEvent, EventCursor, EventKind  # noqa: F401
from .history import Door, History, HistoryAction
from .home import ActivityReminder, FollowUp, HomeLayout, RecentView, RoleHomeLayout  # noqa: F401
from .lead import Lead
from .lookup import LeadSource, LostReason, Stage
from .mixins import install_soft_delete_filter, utcnow
from .opportunity import Opportunity
from .pool import HoldingCap, PoolEntity, PoolSettings
from .reward import Badge, PointEntry, PointRule  # noqa: F401
from .role_scope import DataScope, RoleDataScope, ScopedEntity
from .saved_view import SavedView, SavedViewDefault, Sharing  # noqa: F401
from .scheduled_job import ScheduledJob
from .setting import CompanySettings  # noqa: F401
from .tag import Tag, account_tag, lead_tag
from .target import SalesTarget  # noqa: F401
from .ticket import (  # noqa: F401
    InquiryRule,
    MessageKind,
    Ticket,
    TicketAssignmentRule,
    TicketCategory,
    TicketMessage,
    TicketOrigin,
    TicketPriority,
    TicketSla,
    TicketStatus,
)
from .transfer import ExportLog, ImportBatch, ImportFailure, ImportRecord, ImportStatus  # noqa: F401
from .user import CrmUser
from .webhook import DeliveryStatus, WebhookDelivery, WebhookEndpoint  # noqa: F401

__all__ = [
    "PARENTS",
    "Account",
    "AccountLevel",
    "Activity",
    "ActivityType",
    "Channel",
    "Contact",
    "CrmUser",
    "Currency",
    "DataScope",
    "Department",
    "Door",
    "History",
    "HoldingCap",
    "HistoryAction",
    "Industry",
    "Lead",
    "LeadSource",
    "LeadStatus",
    "LostReason",
    "Note",
    "Opportunity",
    "PoolEntity",
    "PoolSettings",
    "Rating",
    "RoleDataScope",
    "ScheduledJob",
    "ScopedEntity",
    "Stage",
    "Tag",
    "UnqualifiedReason",
    "account_tag",
    "install_soft_delete_filter",
    "lead_tag",
    "utcnow",
]
