"""Admin screens for the editable vocabularies: stages, sources, lost reasons, tags."""

from __future__ import annotations

from flask_appbuilder import ModelView
from flask_babel import lazy_gettext as _l
from wtforms.validators import NumberRange

from app.models import Channel, LeadSource, LostReason, Stage, Tag

from .base import ReadableFormsMixin, typed_formatters
from .fields import CodeSelectField
from .interface import CrmInterface
from .labels import COLUMN_LABELS


class LookupView(ReadableFormsMixin, ModelView):
    """Small tables: FAB's defaults suffice, with our labels and no English titles."""

    base_order = ("sort_order", "asc")
    label_columns = COLUMN_LABELS

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.formatters_columns = {**typed_formatters(cls.datamodel.obj),
                                  **cls.__dict__.get("formatters_columns", {})}


class StageView(LookupView):
    route_base = "/stage"
    datamodel = CrmInterface(Stage)
    list_title = show_title = _l("Stages")
    add_title = _l("New stage")
    edit_title = _l("Edit stage")
    list_columns = ["name_zh", "name_en", "probability", "is_won", "is_lost", "sort_order", "active"]
    search_columns = ["name_zh", "name_en"]
    add_columns = edit_columns = show_columns = list_columns
    validators_columns = {
        "probability": [NumberRange(min=0, max=100, message=_l("Enter a percentage from 0 to 100."))]
    }


class LeadSourceView(LookupView):
    route_base = "/lead-source"
    datamodel = CrmInterface(LeadSource)
    list_title = show_title = _l("Sources")
    add_title = _l("New source")
    edit_title = _l("Edit source")
    base_order = ("channel", "asc")
    list_columns = ["channel", "name_zh", "name_en", "sort_order", "active"]
    search_columns = ["channel", "name_zh", "name_en"]
    add_columns = edit_columns = show_columns = list_columns
    formatters_columns = {"channel": Channel.label_of}
    add_form_extra_fields = edit_form_extra_fields = {
        "channel": CodeSelectField(_l("Channel"), enum=Channel, required=True)
    }


class LostReasonView(LookupView):
    route_base = "/lost-reason"
    datamodel = CrmInterface(LostReason)
    list_title = show_title = _l("Lost reasons")
    add_title = _l("New lost reason")
    edit_title = _l("Edit lost reason")
    list_columns = ["name_zh", "name_en", "sort_order", "active"]
    search_columns = ["name_zh", "name_en"]
    add_columns = edit_columns = show_columns = list_columns


class TagView(LookupView):
    route_base = "/tag"
    datamodel = CrmInterface(Tag)
    base_order = ("name", "asc")
    list_title = show_title = _l("Tags")
    add_title = _l("New tag")
    edit_title = _l("Edit tag")
    list_columns = ["name", "color"]
    search_columns = ["name"]
    add_columns = edit_columns = show_columns = list_columns
