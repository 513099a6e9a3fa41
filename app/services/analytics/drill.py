"""Drill-down: a chart's bar or slice opens the record list filtered to exactly its rows.

Charts put `a_*` arguments on the link (entity, conditions, date field and range, dimension and
value, dashboard filters); the list views' filter panel turns them back into the same clauses the
chart's aggregate used (`where_clauses`, `Dimension.clause`). The list's own scope filter still
applies, so a forged link shows nothing more than the user may see anyway.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import false

from .fields import ENTITIES, NONE
from .filters import Filters

DRILL_KEYS = ("a_e", "a_cond", "a_date", "a_from", "a_to", "a_dim", "a_val", "a_owner", "a_dept",
              "a_channel", "a_cur")


def _entity_for(model):
    for entity in ENTITIES.values():
        if entity.model is model:
            return entity
    return None


def is_drill(args) -> bool:
    return bool(args.get("a_e"))


def drill_clauses(model, user, args) -> list:
    """Clauses for a list of `model` opened from a chart; [] when the request is no drill-down.

    Anything malformed yields no rows rather than an unfiltered list."""
    if not is_drill(args):
        return []
    entity = _entity_for(model)
    if entity is None or args.get("a_e") != entity.key:
        return []
    from .custom_groups import entity_for
    from .engine import date_column, date_range, load_context, where_clauses

    entity = entity_for(entity, user)  # the custom fields this user may see (retired ones: no rows)

    try:
        conditions = [c for c in (args.get("a_cond") or "").split(",") if c]
        if any(c not in entity.conditions for c in conditions):
            return [false()]
        date_field = args.get("a_date") or None
        span = None
        if date_field:
            if date_field not in entity.dates:
                return [false()]
            span = (dt.date.fromisoformat(args["a_from"]), dt.date.fromisoformat(args["a_to"]))
        filters = Filters(owner=args.get("a_owner") or None,
                          department_id=int(args["a_dept"]) if args.get("a_dept") else None,
                          channel=args.get("a_channel") or None, currency=args.get("a_cur") or "CNY")
        if filters.owner and filters.owner != "pool" and not filters.owner.isdigit():
            return [false()]
        ctx = load_context(user)
        clauses = where_clauses(entity, user, ctx, filters=filters, conditions=conditions)
        if span is not None:
            clauses += date_range(date_column(entity, date_field), *span)
        dim = args.get("a_dim")
        if dim:
            if dim not in entity.dimensions:
                return [false()]
            value = args.get("a_val", NONE)
            clauses.append(entity.dimensions[dim].clause(value))
        return clauses
    except (KeyError, ValueError, TypeError):
        return [false()]


