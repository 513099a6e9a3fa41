"""Opportunity screens 商机."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import NumberRange

from app.extensions import db
from app.models import Account, Contact, Currency, Lead, Opportunity, Stage
from app.services.opportunities import stamp_closing

from .activity import ActivityView, NoteView
from .base import CrmModelView
from .interface import CrmInterface
from .panel import ALL, MINE, Facet, Panel, QuickFilter
from .validators import LostReasonWhenLost

OPPORTUNITY_FIELDS = ["name", "account", "contact", "amount", "currency", "stage",
                      "expected_close_date", "lost_reason", "source_lead"]


def stage_choices():
    return [(str(s.id), s.label) for s in db.session.scalars(db.select(Stage).order_by(Stage.sort_order))]


def _open(model, user):
    return model.stage_id.in_(db.select(Stage.id).where(~Stage.is_won, ~Stage.is_lost))


class OpportunityView(CrmModelView):
    route_base = "/opportunity"
    related_views = [ActivityView, NoteView]  # the 360° view: everything about this record on one page
    datamodel = CrmInterface(Opportunity, eager=("owner", "account", "stage"))
    list_title = _l("Opportunities")
    show_title = _l("Opportunity")
    add_title = _l("New opportunity")
    edit_title = _l("Edit opportunity")

    list_columns = ["name", "account", "amount", "currency", "stage", "expected_close_date", "owner"]
    order_columns = ["name", "amount", "expected_close_date", "created_at"]
    search_columns = ["name", "amount", "expected_close_date"]
    add_columns = OPPORTUNITY_FIELDS
    edit_columns = OPPORTUNITY_FIELDS
    show_fieldsets = [
        (_l("Opportunity"), {"fields": ["name", "account", "contact", "owner", "source_lead"]}),
        (_l("Deal"), {"fields": ["amount", "currency", "stage", "expected_close_date", "closed_at",
                                 "lost_reason"]}),
        (_l("Record"), {"fields": ["created_at", "created_by", "updated_at", "updated_by"],
                        "expanded": False}),
    ]
    coded_fields = {"currency": (Currency, True)}
    picker_fields = {
        "account": ("account", Account, True),
        "contact": ("contact", Contact),
        "source_lead": ("lead", Lead),
    }
    validators_columns = {
        "amount": [NumberRange(min=0, message=_l("The amount cannot be negative."))],
        "lost_reason": [LostReasonWhenLost()],
    }
    panel = Panel(
        quick=(ALL, MINE, QuickFilter("open", _l("Open"), _open)),
        facets=(Facet("stage", _l("Stage"), stage_choices, lambda m, v: m.stage_id == int(v)),),
        prefix=("name",),
        search_hint=_l("Opportunity name"),
    )

    def pre_add(self, item):
        super().pre_add(item)
        stamp_closing(item)

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        if form.currency.data is None:  # a new opportunity starts in the company's currency (first-run page)
            from app.services.first_run import default_currency

            form.currency.data = default_currency()
        return super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)

    def pre_update(self, item):
        super().pre_update(item)
        stamp_closing(item)
