"""The CRM's nouns. Importing this package registers every table on FAB's metadata."""

from .account import Account
from .activity import PARENTS, Activity, Note
from .contact import Contact
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
from .history import Door, History, HistoryAction
from .lead import Lead
from .lookup import LeadSource, LostReason, Stage
from .mixins import install_soft_delete_filter, utcnow
from .opportunity import Opportunity
from .pool import HoldingCap, PoolEntity, PoolSettings
from .role_scope import DataScope, RoleDataScope, ScopedEntity
from .tag import Tag, account_tag, lead_tag
from .user import CrmUser

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
    "ScopedEntity",
    "Stage",
    "Tag",
    "UnqualifiedReason",
    "account_tag",
    "install_soft_delete_filter",
    "lead_tag",
    "utcnow",
]
