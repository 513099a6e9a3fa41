"""Custom fields in the REST API: `custom: {key: value}` read and written, described in OpenAPI.

Only fields the caller's roles may see are returned; only fields they may edit are accepted.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db

from . import ENTITIES, can_edit, can_see, fields_for, visible_fields
from .values import check, coerce, store

_JSON_TYPES = {"text": {"type": "string", "maxLength": 255}, "long_text": {"type": "string", "maxLength": 5000},
               "number": {"type": "number"}, "money": {"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$"},
               "date": {"type": "string", "format": "date"}, "yes_no": {"type": "boolean"},
               "user": {"type": "integer", "minimum": 1}, "link": {"type": "integer", "minimum": 1}}


def entity_of(model) -> str | None:
    return next((name for name, m in ENTITIES.items() if m is model), None)


def dump(model, item, user) -> dict | None:
    """{key: value} of the fields the user may see (None when the entity has no custom fields)."""
    entity = entity_of(model)
    if entity is None:
        return None
    stored = getattr(item, "custom", None) or {}
    return {d.key: stored.get(d.key) for d in visible_fields(entity, user)}


def dump_many(model, ids: list[int], user) -> dict[int, dict]:
    entity = entity_of(model)
    if entity is None or not ids:
        return {}
    fields = visible_fields(entity, user)
    rows = db.session.execute(select(model.id, model.custom).where(model.id.in_(ids))).all()
    return {rid: {d.key: (stored or {}).get(d.key) for d in fields} for rid, stored in rows}


def load(model, item, payload, user, *, creating: bool) -> dict:
    """Check and store `payload` (the request's `custom` object); {"custom.<key>": [message]} if wrong."""
    entity = entity_of(model)
    if entity is None:
        return {"custom": [str(_l("There is no such field."))]} if payload is not None else {}
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        return {"custom": [str(_l("Send a JSON object."))]}
    fields = {d.key: d for d in fields_for(entity)}
    errors, values = {}, {}
    for key, raw in payload.items():
        definition = fields.get(key)
        if definition is None or not can_see(definition, user):
            errors[f"custom.{key}"] = [str(_l("There is no such field."))]
            continue
        if not can_edit(definition, user):
            errors[f"custom.{key}"] = [str(_l("You may not change this field."))]
            continue
        try:
            values[key] = coerce(definition, raw)
        except ValueError as error:
            errors[f"custom.{key}"] = [str(error)]
    for key, definition in fields.items():
        if errors.get(f"custom.{key}"):
            continue
        if key in values:
            message = check(definition, values[key], user=user, record_id=item.id)
        elif creating and definition.required and can_edit(definition, user):
            message = check(definition, None, user=user, record_id=None)
        else:
            continue
        if message:
            errors[f"custom.{key}"] = [message]
    if not errors and values:
        store(item, values)
    return errors


def schema(entity: str, writing: bool) -> dict:
    """The OpenAPI schema of `custom` for an entity: every active field (roles decide at run time)."""
    properties = {}
    for d in fields_for(entity):
        if d.kind == "choice":
            prop = {"type": "string", "enum": [c["code"] for c in d.choices or [] if not c.get("retired")]}
        elif d.kind == "multi_choice":
            prop = {"type": "array", "items": {"type": "string",
                                               "enum": [c["code"] for c in d.choices or [] if not c.get("retired")]}}
        else:
            prop = dict(_JSON_TYPES.get(d.kind, {"type": "string"}))
        prop["nullable"] = True
        prop["description"] = f"{d.label_en} / {d.label_zh}" + (f" — {d.help_en}" if d.help_en else "")
        properties[d.key] = prop
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "description": "Custom fields (自定义字段); choices are sent as their codes."}


def document(api_spec, api) -> None:
    """Add `custom` to the API's component schemas (called when the OpenAPI document is built)."""
    entity = entity_of(getattr(api, "model", None))
    if entity is None:
        return
    schemas = api_spec.components.schemas
    for name, writing in ((api.list_model_schema_name, False), (api.show_model_schema_name, False),
                          (api.add_model_schema_name, True), (api.edit_model_schema_name, True)):
        component = schemas.get(name)
        if isinstance(component, dict):
            component.setdefault("properties", {})["custom"] = schema(entity, writing)
