"""Vocabularies over REST: tags (read and write), departments, stages and sources (read only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import Department, LeadSource, Stage, Tag
from app.models.enums import Channel

from .model import CrmModelApi

READ_ONLY = {"get", "get_list", "info"}


class TagApi(CrmModelApi):
    resource_name = "tag"
    model = Tag
    read_columns = ("id", "name", "color", "created_at", "updated_at")
    write_columns = ("name", "color")
    exclude_route_methods = {"get_by_external_id", "upsert"}

    def rules(self, item, data):
        errors = {}
        if not (item.name or "").strip():
            errors["name"] = [_l("This field is required.")]
        color = item.color or ""
        if color and not (len(color) == 7 and color.startswith("#")
                          and all(c in "0123456789abcdefABCDEF" for c in color[1:])):
            errors["color"] = [_l("Enter a colour such as #5b8def.")]
        return errors


class DepartmentApi(CrmModelApi):
    resource_name = "department"
    model = Department
    read_columns = ("id", "name", "parent_id", "manager_id", "path", "created_at", "updated_at")
    include_route_methods = READ_ONLY


class StageApi(CrmModelApi):
    resource_name = "stage"
    model = Stage
    read_columns = ("id", "name_zh", "name_en", "probability", "is_won", "is_lost", "sort_order", "active")
    include_route_methods = READ_ONLY


class SourceApi(CrmModelApi):
    resource_name = "source"
    model = LeadSource
    read_columns = ("id", "channel", "name_zh", "name_en", "sort_order", "active")
    coded = {"channel": Channel}
    include_route_methods = READ_ONLY


LOOKUP_APIS = (TagApi, DepartmentApi, StageApi, SourceApi)
