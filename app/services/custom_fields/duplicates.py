"""Custom fields 自定义字段 in the duplicate check (查重): fields an admin marks `duplicate_check`.

A text or number field so marked makes two records of its type likely duplicates when their values
match once normalised (`storage.match_key`: surrounding spaces and letter case ignored; numbers as
numbers). The check runs wherever the built-in one does — forms, quick add, the API's 409 and
imports' on-duplicate policy — through an expression index on the normalised value.

Keys are named "cf:<field key>" next to the built-in kinds ("phone", "email", "company").
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import bindparam, select, text

from app.extensions import db
from app.models.custom_field import CustomField

from . import ENTITIES, can_see, fields_for
from .storage import match_expr, match_key, match_sql
from .values import parse_text

PREFIX = "cf:"


def match_fields(entity: str) -> list[CustomField]:
    """The entity's fields in use that the duplicate check compares."""
    if entity not in ENTITIES:
        return []
    return [d for d in fields_for(entity) if d.duplicate_check]


def keys_of(entity: str, data: dict) -> dict[str, set[str]]:
    """{"cf:<key>": {normalised value}} for every such field (an empty set when `data` has none).

    `data` is a record's values as the doors hold them: the API and stored records give the JSON
    column `custom` ({key: value}); a screen form gives its text fields `cf_<key>`."""
    stored = data.get("custom") if isinstance(data.get("custom"), dict) else {}
    out: dict[str, set[str]] = {}
    for definition in match_fields(entity):
        keys: set[str] = set()
        value = stored.get(definition.key)
        raw = data.get(definition.name)
        if isinstance(raw, str):
            try:
                value = parse_text(definition, raw)
            except ValueError:
                value = None
        key = match_key(value)
        if key:
            keys.add(key)
        out[PREFIX + definition.key] = keys
    return out


def matching_records(entity: str, key: str, values: set[str], clauses: list, options: list, limit: int) -> list:
    """Records of `entity` (live, meeting `clauses`) whose field `key` matches one of `values`."""
    model = ENTITIES[entity]
    stmt = select(model).where(match_expr(model, key).in_(sorted(values)), *clauses).options(*options)
    return list(db.session.scalars(stmt.order_by(model.id.desc()).limit(limit)))


def visible_to(entity: str, key: str, user) -> CustomField | None:
    """The checked field `key` if `user` may see it (None is the system actor: every field)."""
    definition = next((d for d in match_fields(entity) if d.key == key), None)
    return definition if definition is not None and can_see(definition, user) else None


def label_of(entity: str, name: str) -> str | None:
    """The label of a matched custom field `cf_<key>` (None when it is not one)."""
    if not name.startswith("cf_"):
        return None
    definition = db.session.scalar(select(CustomField).where(CustomField.entity == entity,
                                                             CustomField.key == name[3:]))
    return definition.label if definition is not None else None


# -- imports -----------------------------------------------------------------------------------
def import_keys(entity: str) -> tuple[str, ...]:
    """Extra duplicate keys an import of `entity` checks (columns `fill_import_keys` adds)."""
    return tuple(PREFIX + d.key for d in match_fields(entity))


def fill_import_keys(entity: str, values: pd.DataFrame) -> None:
    """A column "cf:<key>" of normalised values per checked field, from the rows' `custom` JSON.
    (Not a table column: the import's writes leave it out.)"""
    fields = match_fields(entity)
    if not fields:
        return
    customs = values["custom"].tolist() if "custom" in values else [None] * len(values)
    for definition in fields:
        keys = [match_key(c.get(definition.key)) if isinstance(c, dict) else None for c in customs]
        values[PREFIX + definition.key] = pd.Series(keys, index=values.index, dtype=object)


def import_matches(conn, table, name: str, wanted: list, batch: int = 2_000) -> list:
    """(normalised value, id, deleted_at) of the rows matching `wanted` on field "cf:<key>"."""
    key = name[len(PREFIX):]
    expr = match_sql(conn.dialect.name, table.name, key)
    query = text(f"SELECT {expr}, id, deleted_at FROM {table.name} WHERE {expr} IN :wanted").bindparams(
        bindparam("wanted", expanding=True))
    out = []
    for start in range(0, len(wanted), batch):
        out.extend(conn.execute(query, {"wanted": wanted[start:start + batch]}).all())
    return out
