"""What the REST API reads and writes: field conversion, UTC times, translated messages.

Times are UTC on the wire (`2026-11-25T08:00:00Z`); a time without a zone is read as UTC, and
a time with one is converted. Marshmallow's English messages are turned into the caller's
language here, so every 422 says what is wrong in words people read.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app
from flask_appbuilder.api.convert import Model2SchemaConverter
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema, field_for
from sqlalchemy import DateTime

FIELD_REQUIRED = _l("This field is required.")
INVALID = _l("This value is not valid.")
# marshmallow's own messages -> ours
MESSAGES = {
    "Missing data for required field.": FIELD_REQUIRED,
    "Field may not be null.": FIELD_REQUIRED,
    "Unknown field.": _l("There is no such field."),
    "Not a valid string.": _l("Enter text."),
    "Not a valid integer.": _l("Enter a whole number."),
    "Not a valid number.": _l("Enter a number."),
    "Not a valid boolean.": _l("Enter true or false."),
    "Not a valid datetime.": _l("Enter a date and time such as 2026-11-25T08:00:00Z."),
    "Not a valid date.": _l("Enter a date such as 2026-11-25."),
    "Not a valid list.": _l("Enter a list."),
    "Invalid input type.": _l("Send a JSON object."),
    "Related Object doesn't exist in DB": _l("Not found."),
    "Invalid value.": INVALID,
}
_LONGER = re.compile(r"^Longer than maximum length (\d+)\.$")


def translate(messages):
    """marshmallow's error structure, every message in the request's language."""
    if isinstance(messages, dict):
        return {str(k): translate(v) for k, v in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [translate(m) for m in messages]
    text = str(messages)
    if text in MESSAGES:
        return str(MESSAGES[text])
    match = _LONGER.match(text)
    if match:
        return str(_l("At most %(max)s characters.", max=int(match.group(1))))
    return text


def parse_utc(value) -> dt.datetime:
    """An ISO date-time as naive UTC (the form stored); raises ValueError."""
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        text = str(value).strip()
        if not text:
            raise ValueError("empty")
        parsed = dt.datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


class UtcDateTime(fields.DateTime):
    """Stored naive UTC; written with a Z; read from any ISO form with or without a zone."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.replace(tzinfo=None, microsecond=0).isoformat() + "Z"

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_utc(value)
        except (TypeError, ValueError) as error:
            raise ValidationError(str(MESSAGES["Not a valid datetime."])) from error


class CodeField(fields.String):
    """A code from a fixed vocabulary (LabelledEnum); the error names the allowed codes."""

    def __init__(self, enum, **kwargs):
        self.enum = enum
        super().__init__(validate=validate.OneOf([m.value for m in enum]), **kwargs)

    def _validate(self, value):
        if value is not None and value not in {m.value for m in self.enum}:
            raise ValidationError(str(_l("Choose one of: %(codes)s.",
                                         codes=", ".join(m.value for m in self.enum))))


class CrmSchemaConverter(Model2SchemaConverter):
    """FAB's converter, with UTC times and coded fields (set by the API class as `coded`)."""

    coded: dict = {}

    def _column2field(self, datamodel, column, nested=True, parent_schema_name=None):
        model = datamodel.obj
        name = column.name
        col = model.__table__.columns.get(name) if hasattr(model, "__table__") else None
        if col is not None and not datamodel.is_relation(name):
            required = not col.nullable and col.default is None and col.server_default is None \
                and not col.primary_key
            if isinstance(col.type, DateTime):
                return UtcDateTime(required=required, allow_none=col.nullable)
            if name in self.coded and model is self.datamodel.obj:
                return CodeField(self.coded[name], required=required, allow_none=col.nullable)
            field = field_for(model, name)
            for validator in self.validators_columns.get(name, ()) if model is self.datamodel.obj else ():
                field.validators.append(validator)
            return field
        if datamodel.is_relation(name):
            # links travel as ids (tags: [1, 2]), never as nested copies of records that may lie
            # outside the caller's scope
            field = field_for(model, name)
            field.required = False
            return field
        return super()._column2field(datamodel, column, nested, parent_schema_name)


    def _meta_schema_factory(self, columns, model, class_mixin, parent_schema_name=None):
        # FAB's factory, with foreign-key columns kept: links travel as plain ids (account_id)
        _model, _parent = model, parent_schema_name
        if not columns:
            return super()._meta_schema_factory(columns, model, class_mixin, parent_schema_name)

        class MetaSchema(SQLAlchemyAutoSchema, class_mixin):
            class Meta:
                model = _model
                fields = columns
                load_instance = True
                include_fk = True
                sqla_session = current_app.appbuilder.session
                parent_schema_name = _parent

        return MetaSchema


def converter_for(coded: dict):
    return type("Converter", (CrmSchemaConverter,), {"coded": dict(coded)})
