"""Activity 活动 and note 便签 screens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.models import Account, Activity, ActivityType, Contact, Lead, Note, Opportunity, utcnow

from .base import CrmModelView
from .interface import CrmInterface
from .panel import ALL, MINE, Panel, QuickFilter, column_facet
from .validators import ExactlyOneParent

PARENT_PICKERS = {
    "lead": ("lead", Lead),
    "account": ("account", Account),
    "contact": ("contact", Contact),
    "opportunity": ("opportunity", Opportunity),
}
PARENT_EAGER = ("lead", "account", "contact", "opportunity")
ACTIVITY_FIELDS = ["type", "subject", "due_at", "remind_at", "done_at", "outcome", *PARENT_PICKERS]


def _overdue(model, user):
    return (model.done_at.is_(None)) & (model.due_at < utcnow())


def due_badge(status: str):
    """Overdue activities stand out in red on the list; done ones are marked done."""
    if status == "overdue":
        return Markup('<span class="label label-danger">{}</span>').format(_l("Overdue"))
    if status == "done":
        return Markup('<span class="label label-success">{}</span>').format(_l("Done"))
    return ""


class ActivityView(CrmModelView):
    route_base = "/activity"
    datamodel = CrmInterface(Activity, eager=("owner", *PARENT_EAGER))
    list_title = _l("Activities")
    show_title = _l("Activity")
    add_title = _l("New activity")
    edit_title = _l("Edit activity")
    base_order = ("due_at", "desc")

    list_columns = ["type", "subject", "parent", "due_at", "due_status", "done_at", "owner"]
    label_columns = {"due_status": _l("Status")}
    formatters_columns = {"due_status": due_badge}
    order_columns = ["subject", "due_at", "done_at"]
    search_columns = ["subject", "due_at", "done_at"]
    add_columns = ACTIVITY_FIELDS
    edit_columns = ACTIVITY_FIELDS
    show_fieldsets = [
        (_l("Activity"), {"fields": ["type", "subject", "parent", "owner"]}),
        (_l("Timing"), {"fields": ["due_at", "remind_at", "done_at", "outcome"]}),
        (_l("Record"), {"fields": ["created_at", "created_by", "updated_at", "updated_by"],
                        "expanded": False}),
    ]
    coded_fields = {"type": (ActivityType, True)}
    picker_fields = PARENT_PICKERS
    validators_columns = {"lead": [ExactlyOneParent()]}
    panel = Panel(
        quick=(
            ALL,
            MINE,
            QuickFilter("open", _l("Open"), lambda m, u: m.done_at.is_(None)),
            QuickFilter("overdue", _l("Overdue"), _overdue),
        ),
        facets=(column_facet("type", _l("Type"), ActivityType.choices),),
        prefix=("subject",),
        search_hint=_l("Subject"),
    )


class NoteView(CrmModelView):
    route_base = "/note"
    datamodel = CrmInterface(Note, eager=("created_by", *PARENT_EAGER))
    list_title = _l("Notes")
    show_title = _l("Note")
    add_title = _l("New note")
    edit_title = _l("Edit note")

    list_columns = ["text", "parent", "created_by", "created_at"]
    order_columns = ["created_at"]
    search_columns = ["text"]
    add_columns = ["text", *PARENT_PICKERS]
    edit_columns = ["text", *PARENT_PICKERS]
    show_columns = ["text", "parent", "created_by", "created_at", "updated_at"]
    picker_fields = PARENT_PICKERS
    validators_columns = {"lead": [ExactlyOneParent()]}
    panel = Panel(
        quick=(ALL, QuickFilter("mine", _l("Written by me"), lambda m, u: m.created_by_id == u.id)),
    )
