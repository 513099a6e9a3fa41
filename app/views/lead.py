"""Lead screens 线索."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import (
    Account,
    Channel,
    Contact,
    Industry,
    Lead,
    LeadSource,
    LeadStatus,
    Rating,
    Tag,
    UnqualifiedReason,
)

from .activity import ActivityView, NoteView
from .base import CrmModelView
from .conversion import ConvertActionMixin
from .duplicates import DuplicateCheckMixin
from .interface import CrmInterface
from .panel import ALL, MINE, POOL, Facet, Panel, column_facet
from .pool import PoolActionsMixin
from .validators import LEAD_NAME_RULE, LEAD_REACH_RULE, Email, LeadOrigin, Phone


def source_choices():
    return [(str(s.id), f"{s.channel_label} · {s.label}") for s in
            db.session.scalars(db.select(LeadSource).where(LeadSource.active).order_by(LeadSource.channel, LeadSource.sort_order))]


def tag_choices():
    return [(str(t.id), t.name) for t in db.session.scalars(db.select(Tag).order_by(Tag.name).limit(50))]


def tag_facet(model) -> Facet:
    return Facet("tag", _l("Tags"), tag_choices, lambda m, v: m.tags.any(Tag.id == int(v)))


LEAD_FIELDS = [
    "person_name", "company_name", "title", "mobile", "phone", "email", "wechat",
    "channel", "source", "referrer_contact", "referrer_account",
    "status", "unqualified_reason", "rating", "industry",
    "province", "city", "address", "description", "tags",
]


class LeadView(DuplicateCheckMixin, ConvertActionMixin, PoolActionsMixin, CrmModelView):
    route_base = "/lead"
    pool_entity = "lead"
    duplicate_entity = "lead"
    related_views = [ActivityView, NoteView]  # the 360° view: everything about this record on one page
    datamodel = CrmInterface(Lead, eager=("owner", "source"))
    list_title = _l("Leads")
    show_title = _l("Lead")
    add_title = _l("New lead")
    edit_title = _l("Edit lead")

    list_columns = ["person_name", "company_name", "mobile", "channel", "source", "status", "rating",
                    "owner", "created_at"]
    order_columns = ["person_name", "company_name", "status", "created_at"]
    search_columns = ["person_name", "company_name", "mobile", "email", "province", "city"]
    add_columns = LEAD_FIELDS
    edit_columns = LEAD_FIELDS
    show_fieldsets = [
        (_l("Lead"), {"fields": ["person_name", "company_name", "title", "status", "rating",
                                 "unqualified_reason", "owner"]}),
        (_l("How to reach them"), {"fields": ["mobile", "phone", "email", "wechat"]}),
        (_l("Where it came from"), {"fields": ["channel", "source", "referrer_contact",
                                               "referrer_account"]}),
        (_l("Company details"), {"fields": ["industry", "province", "city", "address", "tags",
                                            "description"]}),
        (_l("Conversion"), {"fields": ["converted_account", "converted_contact",
                                       "converted_opportunity", "converted_at", "converted_by"],
                            "expanded": False}),
        (_l("Record"), {"fields": ["created_at", "created_by", "updated_at", "updated_by"],
                        "expanded": False}),
    ]
    coded_fields = {
        "channel": (Channel, True),
        "status": (LeadStatus, True),
        "rating": (Rating, False),
        "industry": (Industry, False),
        "unqualified_reason": (UnqualifiedReason, False),
    }
    picker_fields = {
        "referrer_contact": ("contact", Contact),
        "referrer_account": ("account", Account),
    }
    validators_columns = {
        "person_name": [LEAD_NAME_RULE],
        "mobile": [LEAD_REACH_RULE, Phone()],
        "phone": [Phone()],
        "email": [Email()],
        "source": [LeadOrigin("source")],
        "referrer_contact": [LeadOrigin("referrer_contact")],
    }
    description_columns = {
        "referrer_contact": _l("For referrals: the contact who recommended this lead."),
        "mobile": _l("A name or company, and one way to reach them, are enough to save a lead."),
    }
    panel = Panel(
        quick=(ALL, MINE, POOL),
        facets=(
            column_facet("status", _l("Status"), LeadStatus.choices),
            column_facet("channel", _l("Channel"), Channel.choices),
            Facet("source", _l("Source"), source_choices, lambda m, v: m.source_id == int(v)),
            column_facet("rating", _l("Rating"), Rating.choices),
            tag_facet(Lead),
        ),
        exact=("mobile", "email"),
        prefix=("person_name", "company_name"),
        search_hint=_l("Name, company, mobile or e-mail"),
    )
