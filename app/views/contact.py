"""Contact screens 联系人."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import Account, Contact

from .activity import ActivityView, NoteView
from .base import CrmModelView
from .duplicates import DuplicateCheckMixin
from .interface import CrmInterface
from .panel import ALL, MINE, Panel, QuickFilter
from .validators import Email, Phone

CONTACT_FIELDS = ["name", "account", "title", "mobile", "phone", "email", "wechat", "is_primary",
                  "birthday"]


class ContactView(DuplicateCheckMixin, CrmModelView):
    route_base = "/contact"
    duplicate_entity = "contact"
    related_views = [ActivityView, NoteView]  # the 360° view: everything about this record on one page
    datamodel = CrmInterface(Contact, eager=("owner", "account"))
    list_title = _l("Contacts")
    show_title = _l("Contact")
    add_title = _l("New contact")
    edit_title = _l("Edit contact")

    label_columns = {"name": _l("Person name")}
    list_columns = ["name", "account", "title", "mobile", "email", "owner", "created_at"]
    order_columns = ["name", "created_at"]
    search_columns = ["name", "mobile", "email", "title"]
    add_columns = CONTACT_FIELDS
    edit_columns = CONTACT_FIELDS
    show_fieldsets = [
        (_l("Contact"), {"fields": ["name", "account", "title", "is_primary", "birthday", "owner"]}),
        (_l("How to reach them"), {"fields": ["mobile", "phone", "email", "wechat"]}),
        (_l("Record"), {"fields": ["created_at", "created_by", "updated_at", "updated_by"],
                        "expanded": False}),
    ]
    picker_fields = {"account": ("account", Account)}
    validators_columns = {"mobile": [Phone()], "phone": [Phone()], "email": [Email()]}
    panel = Panel(
        quick=(ALL, MINE, QuickFilter("primary", _l("Primary contacts"), lambda m, u: m.is_primary)),
        exact=("mobile", "email"),
        prefix=("name",),
        search_hint=_l("Name, mobile or e-mail"),
    )
