"""Custom fields 自定义字段 as chart groupings (issue 6): single choice, yes/no, user, and dates by bucket.

A chart groups by `cf_<key>`. Which fields a chart may use depends on the viewer: retired and
hidden fields are never offered, a field restricted to some roles only to those roles
(`app.services.custom_fields.can_see`). `entity_for(entity, user)` returns the entity with the
fields that viewer may use added to its dimensions / dates; everything downstream (the aggregate,
labels, drill-down) then treats them like built-in ones. The values are read with the same SQL
expression the custom-field filters and indexes use (`custom_fields.storage.value_expr`).
"""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, case, cast, literal, type_coerce

from app.models.custom_field import CustomField

from .fields import Dimension, Entity

PREFIX = "cf_"
GROUP_KINDS = ("choice", "yes_no", "user")
DATE_KINDS = ("date",)
ENTITY_KEYS = ("lead", "account", "opportunity")  # analytics entities that carry custom fields


@dataclasses.dataclass(frozen=True)
class Field:
    """What a chart needs of a definition, copied out of the session (the chart outlives it)."""

    key: str
    kind: str
    label: str  # in the viewer's language
    choices: tuple = ()

    @classmethod
    def of(cls, definition: CustomField) -> Field:
        return cls(definition.key, definition.kind, str(definition.label),
                   tuple(dict(c) for c in definition.choices or []))

    def choice_label(self, code) -> str:
        from app.models.custom_field import _zh

        zh = _zh()
        for choice in self.choices:
            if choice.get("code") == code:
                return choice["zh"] if zh else choice["en"]
        return "" if code is None else str(code)


def _postgres() -> bool:
    from app.extensions import db

    return db.session.get_bind().dialect.name == "postgresql"


def _raw(model, definition: Field):
    from app.services.custom_fields.storage import value_expr

    return value_expr(model, definition.key)


def _match(model, definition: Field):
    from app.services.custom_fields.storage import equals

    def match(value):
        if value is None:
            return _raw(model, definition).is_(None)
        return equals(model, definition, str(value))

    return match


def _yes_no_expr(model, definition: Field):
    """"1" / "0" / NULL on both databases (SQLite stores JSON true as 1, PostgreSQL reads 'true')."""
    raw = _raw(model, definition)
    yes, no = (literal("true"), literal("false")) if _postgres() else (literal(1), literal(0))
    return case((raw == yes, "1"), (raw == no, "0"))


def _user_expr(model, definition: Field):
    raw = _raw(model, definition)
    return cast(raw, Integer) if _postgres() else type_coerce(raw, Integer)


def _choice_labels(definition: Field):
    return lambda values: {v: definition.choice_label(v) for v in values if v is not None}


def _choice_order(definition: Field):
    order = {c.get("code"): i for i, c in enumerate(definition.choices or [])}
    return lambda values: sorted(values, key=lambda v: (order.get(v, len(order)), str(v)))


def _yes_no_labels(values):
    names = {"1": _l("Yes"), "0": _l("No")}
    return {v: names.get(v, v) for v in values if v is not None}


def dimension(model, definition: Field) -> Dimension:
    from .fields import _user_labels

    key = PREFIX + definition.key
    if definition.kind == "choice":
        return Dimension(key, definition.label, lambda: _raw(model, definition), _choice_labels(definition),
                         match=_match(model, definition), order=_choice_order(definition))
    if definition.kind == "yes_no":
        return Dimension(key, definition.label, lambda: _yes_no_expr(model, definition), _yes_no_labels,
                         match=_match(model, definition), order=lambda values: sorted(values, key=lambda v: {"1": 0, "0": 1}.get(v, 2)))
    return Dimension(key, definition.label, lambda: _user_expr(model, definition), _user_labels,
                     match=_match(model, definition))


def date_expr(model, definition: Field):
    """The stored "YYYY-MM-DD" as text: compared with ISO dates, bucketed like a Date column."""
    return lambda: type_coerce(_raw(model, definition), String)


def usable_fields(entity_key: str, user) -> list[Field]:
    """The viewer's custom fields a chart may group by (live, not hidden, visible to the role)."""
    if entity_key not in ENTITY_KEYS:
        return []
    from app.services.custom_fields import visible_fields

    return [Field.of(f) for f in visible_fields(entity_key, user) if f.kind in GROUP_KINDS + DATE_KINDS]


def entity_for(entity: Entity, user) -> Entity:
    """`entity` with the custom fields `user` may group by; the entity itself when there are none."""
    found = usable_fields(entity.key, user)
    if not found:
        return entity
    model = entity.model
    dimensions = dict(entity.dimensions)
    dates = dict(entity.dates)
    exprs = dict(entity.date_exprs)
    for definition in found:
        key = PREFIX + definition.key
        if definition.kind in DATE_KINDS:
            dates[key] = definition.label
            exprs[key] = date_expr(model, definition)
        else:
            dimensions[key] = dimension(model, definition)
    return dataclasses.replace(entity, dimensions=dimensions, dates=dates, date_exprs=exprs)


def is_custom(name: str | None) -> bool:
    return bool(name) and name.startswith(PREFIX)
