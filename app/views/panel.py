"""The left-hand filter panel (左边筛选条件): quick filters, facets and a search box.

A panel is declared on each list view; `PanelFilter` turns the request's `qf`, `q` and `f_*`
arguments into SQL. It is installed as a FAB base filter, so paging and sorting keep it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import request
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l

from app.security.current import current_actor
from app.security.scope import visible
from app.services.analytics.drill import drill_clauses
from app.services.custom_fields import filter_clauses as custom_filter_clauses
from app.services.search import any_of, custom_text_clauses, name_search_clauses


@dataclass(frozen=True)
class QuickFilter:
    key: str
    label: object
    clause: Callable[[type, object], object] | None  # (model, user) -> SQL; None = no restriction


@dataclass(frozen=True)
class Facet:
    key: str
    label: object
    choices: Callable[[], list[tuple[object, object]]]
    clause: Callable[[type, str], object]  # (model, raw value) -> SQL


@dataclass(frozen=True)
class Panel:
    quick: tuple[QuickFilter, ...] = ()
    facets: tuple[Facet, ...] = ()
    exact: tuple[str, ...] = ()  # searched by equality (mobile, e-mail)
    prefix: tuple[str, ...] = ()  # names: searched anywhere when indexed (search_index.py), else by prefix
    search_hint: object = ""
    lowercase: tuple[str, ...] = field(default=("email",))


ALL = QuickFilter("all", _l("All visible"), None)
MINE = QuickFilter("mine", _l("Mine"), lambda m, u: m.owner_id == u.id)
POOL = QuickFilter("pool", _l("Public pool"), lambda m, u: m.owner_id.is_(None))


def column_facet(key: str, label, choices) -> Facet:
    return Facet(key, label, choices, lambda m, v, _k=key: getattr(m, _k) == v)


def panel_clause(model, panel: Panel, user, args) -> list:
    clauses = []
    quick = {q.key: q for q in panel.quick}.get(args.get("qf", ""))
    if quick is not None and quick.clause is not None:
        clauses.append(quick.clause(model, user))
    for facet in panel.facets:
        value = args.get(f"f_{facet.key}")
        if value:
            clauses.append(facet.clause(model, value))
    text = (args.get("q") or "").strip()[:100]
    if text:
        ors = []
        for name in panel.exact:
            ors.append(getattr(model, name) == (text.lower() if name in panel.lowercase else text))
        ors.extend(name_search_clauses(model, panel.prefix, text))
        ors.extend(custom_text_clauses(model, user, text))  # searchable custom text fields 自定义字段
        if ors:
            clauses.append(any_of(model, ors))
    clauses.extend(drill_clauses(model, user, args))  # a chart's bar opened as a list (a_* args)
    clauses.extend(custom_filter_clauses(model, user, args))  # custom fields 自定义字段 (cf_* args)
    return clauses


class ScopeFilter(BaseFilter):
    """Base filter: rows outside the user's data scope do not exist for any FAB door."""

    name = "scope"

    def apply(self, query, value):
        return visible(query, self.model, current_actor())


def make_panel_filter(panel: Panel) -> type[BaseFilter]:
    class PanelFilter(BaseFilter):
        name = "panel"

        def apply(self, query, value):
            clauses = panel_clause(self.model, panel, current_actor(), request.args)
            return query.filter(*clauses) if clauses else query

    return PanelFilter
