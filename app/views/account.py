"""Account screens 客户, whose show page is the 360° view of the customer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import Account, AccountLevel, Industry
from app.services.reclaim import warning_clause

from .activity import ActivityView, NoteView
from .base import CrmModelView
from .contact import ContactView
from .duplicates import DuplicateCheckMixin
from .interface import CrmInterface
from .lead import source_choices, tag_facet
from .opportunity import OpportunityView
from .panel import ALL, MINE, POOL, Facet, Panel, QuickFilter, column_facet
from .pool import PoolActionsMixin
from .validators import Phone

ACCOUNT_FIELDS = ["name", "industry", "level", "source", "phone", "website", "province", "city",
                  "address", "next_followup_at", "tags", "description"]


class AccountView(DuplicateCheckMixin, PoolActionsMixin, CrmModelView):
    route_base = "/account"
    pool_entity = "account"
    duplicate_entity = "account"
    related_views = [ContactView, OpportunityView, ActivityView, NoteView]  # the 360° view: everything about this record on one page
    datamodel = CrmInterface(Account, eager=("owner",))
    list_title = _l("Accounts")
    show_title = _l("Account")
    add_title = _l("New account")
    edit_title = _l("Edit account")

    list_columns = ["name", "industry", "level", "province", "city", "owner", "last_followup_at",
                    "created_at"]
    order_columns = ["name", "level", "last_followup_at", "created_at"]
    search_columns = ["name", "phone", "province", "city"]
    add_columns = ACCOUNT_FIELDS
    edit_columns = ACCOUNT_FIELDS
    show_fieldsets = [
        (_l("Account"), {"fields": ["name", "industry", "level", "source", "owner", "tags"]}),
        (_l("How to reach them"), {"fields": ["phone", "website", "province", "city", "address"]}),
        (_l("Follow-up"), {"fields": ["last_followup_at", "next_followup_at", "description"]}),
        (_l("Record"), {"fields": ["created_at", "created_by", "updated_at", "updated_by"],
                        "expanded": False}),
    ]
    coded_fields = {"industry": (Industry, False), "level": (AccountLevel, False)}
    validators_columns = {"phone": [Phone()]}
    panel = Panel(
        quick=(ALL, MINE, POOL,
               QuickFilter("reclaim_soon", _l("To be reclaimed soon"), lambda m, u: warning_clause())),
        facets=(
            column_facet("level", _l("Level"), AccountLevel.choices),
            column_facet("industry", _l("Industry"), Industry.choices),
            Facet("source", _l("Source"), source_choices, lambda m, v: m.source_id == int(v)),
            tag_facet(Account),
        ),
        exact=("phone",),
        prefix=("name",),
        search_hint=_l("Account name or phone"),
    )
