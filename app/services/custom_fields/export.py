"""Custom fields in exports: one column per field the exporter may see, read from the JSON column.

export.py calls these four hooks; everything about custom fields stays here.
"""

from __future__ import annotations

import json

import pandas as pd
from flask_babel import force_locale

from . import ENTITIES, visible_fields
from .values import display

RAW = "__custom__"


def fields(req) -> list:
    """The fields the exporter may see: those chosen for the list, in its order, if columns were chosen."""
    if req.entity not in ENTITIES:
        return []
    visible = visible_fields(req.entity, req.user)
    if not req.chosen:
        return visible
    by_name = {d.name: d for d in visible}
    return [by_name[name] for name in dict.fromkeys(req.chosen) if name in by_name]


def names(req) -> list[str]:
    return [d.name for d in fields(req)]


def headers(req) -> list[str]:
    with force_locale(req.language):
        return [d.label for d in fields(req)]


def select_columns(req, table) -> list:
    return [table.c.custom.label(RAW)] if fields(req) else []


def expand(frame: pd.DataFrame, req) -> pd.DataFrame:
    """Replace the raw JSON column by one readable column per field, in the export's language."""
    if RAW not in frame.columns:
        return frame
    definitions = fields(req)
    raw = frame.pop(RAW).map(lambda v: json.loads(v) if isinstance(v, str) else (v or {}))
    with force_locale(req.language):
        for d in definitions:
            cache: dict = {}

            def cell(stored, d=d, cache=cache):
                value = stored.get(d.key)
                if value is None:
                    return None
                marker = json.dumps(value, sort_keys=True)
                if marker not in cache:
                    cache[marker] = display(d, value) or None
                return cache[marker]

            frame[d.name] = raw.map(cell)
    return frame
