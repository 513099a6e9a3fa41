"""Custom fields in spreadsheet imports: mapping targets, cell parsing, the `custom` column.

The import service calls `fields`, `convert` and `collect`; everything about custom fields stays
here. Values are set on the records an import creates; on a record an import updates, the file's
non-empty custom values are merged over the stored ones (`merged`; fields not in the file, and empty
cells, keep their values), recorded per field in history, and undone with the rest of the record.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from app.security.current import current_actor

from . import ENTITIES, editable_fields
from .values import parse_text

PREFIX = "_cf_"  # temporary columns; the import drops every column starting with "_"


def fields(entity: str) -> tuple:
    """Mapping targets for the custom fields the importing user may edit."""
    if entity not in ENTITIES:
        return ()
    from app.services.importing.fields import Field

    @dataclass(frozen=True)
    class CustomImportField(Field):
        definition: object = None

        @property
        def label(self):
            return self.definition.label

    return tuple(CustomImportField(d.name, "custom", (d.label_zh, d.label_en, d.key), required=d.required,
                                   definition=d) for d in editable_fields(entity, current_actor()))


def convert(spec, text: pd.Series, header: str, out: pd.DataFrame, fail) -> None:
    definition = spec.definition
    values, problems = [], []
    for cell in text.tolist():
        try:
            values.append(parse_text(definition, cell))
            problems.append(None)
        except ValueError as error:
            values.append(None)
            problems.append(str(error))
    bad = pd.Series([p is not None for p in problems], index=text.index)
    fail(bad, header, "custom", pd.Series(problems, index=text.index, dtype=object))
    out[PREFIX + definition.key] = pd.Series(values, index=text.index, dtype=object)


def collect(out: pd.DataFrame) -> None:
    """One `custom` JSON value per row from the parsed custom columns (None when all are empty)."""
    keys = [c for c in out.columns if c.startswith(PREFIX)]
    if not keys:
        return
    lists = [out[c].tolist() for c in keys]
    names = [c[len(PREFIX):] for c in keys]
    rows = []
    for values in zip(*lists, strict=True):
        stored = {n: v for n, v in zip(names, values, strict=True) if v is not None and v == v and v != []}
        rows.append(stored or None)
    out["custom"] = pd.Series(rows, index=out.index, dtype=object)


def merged(before: dict | None, new: dict | None) -> dict | None:
    """The record's custom JSON after an import row's values (`new`) are written over `before`."""
    if not new:
        return before
    return {**(before or {}), **new}


def history_of(changes: dict) -> dict:
    """History entries with the whole-JSON `custom` change split into one entry per field."""
    if "custom" not in changes:
        return changes
    from .values import history_changes

    old, new = changes.pop("custom")
    return {**changes, **history_changes(old, new)}
