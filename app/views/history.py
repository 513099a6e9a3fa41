"""History screens: the admin-wide log, and the readable lines of a record's timeline."""

from __future__ import annotations

from flask_appbuilder import ModelView
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Door, History, HistoryAction

from .base import ReadableFormsMixin, typed_formatters
from .interface import CrmInterface
from .labels import COLUMN_LABELS


class HistoryView(ReadableFormsMixin, ModelView):
    """Read-only: there is no add, edit or delete door to history, for anyone."""

    route_base = "/history"
    datamodel = CrmInterface(History, eager=("actor",))
    base_permissions = ["can_list", "can_show"]
    list_title = show_title = _l("History")
    base_order = ("at", "desc")
    label_columns = {**COLUMN_LABELS, "entity": _l("Record type"), "record_id": _l("Record ID"),
                     "action": _l("Action"), "door": _l("Door"), "actor": _l("By"), "at": _l("When"),
                     "changes": _l("Changes")}
    list_columns = ["at", "actor", "action", "door", "entity", "record_id", "note"]
    show_columns = ["at", "actor", "action", "door", "entity", "record_id", "changes", "note"]
    search_columns = ["entity", "record_id", "action", "door", "at"]
    formatters_columns = {**typed_formatters(History), "action": HistoryAction.label_of,
                          "door": Door.label_of}


def describe(entry: History, view) -> list[tuple[object, object, object]]:
    """(field label, old, new) for each change, with codes and ids shown as people read them."""
    mapper = view.datamodel.obj.__mapper__
    fk_targets = {
        next(iter(rel.local_columns)).key: rel.mapper.class_
        for rel in mapper.relationships
        if rel.direction.name == "MANYTOONE" and len(rel.local_columns) == 1
    }
    coded = getattr(view, "coded_fields", {})
    lines = []
    for key, (old, new) in (entry.changes or {}).items():
        if key.startswith("custom."):  # custom fields: labelled, and hidden from roles without access
            from app.services.custom_fields.values import describe_change

            line = describe_change(entry.entity, key[7:], old, new)
            if line is not None:
                lines.append(line)
            continue
        name = key[:-3] if key.endswith("_id") and key[:-3] in view.label_columns else key
        label = view.label_columns.get(name, COLUMN_LABELS.get(name, name))
        lines.append((label, _readable(key, old, fk_targets, coded), _readable(key, new, fk_targets, coded)))
    return lines


def _readable(key, value, fk_targets, coded):
    if value is None or value == []:
        return ""
    if isinstance(value, list):
        return ", ".join(value)
    if key in fk_targets:
        target = db.session.get(fk_targets[key], value)
        return str(target) if target is not None else f"#{value}"
    if key in coded:
        return coded[key][0].label_of(value)
    return value
