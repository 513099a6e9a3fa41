"""Any list: a compact table of one list under one of its filters — a saved view 场景 the user may open,
a quick filter, or the address of a filtered list copied from the browser (its panel arguments qf, q
and f_* are kept).

A saved view brings its list, filters, search, sort and (built-in) columns; it is evaluated in the
viewer's own data scope, so a view shared by a manager shows a rep only the rep's records. A view
deleted or no longer shared says so instead of showing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.security.scope import visibility_clause
from app.services import saved_views
from app.services.errors import NotFound, ValidationFailed

from .base import Context, Option, Widget, capped_count

LISTS = {"lead": _l("Leads"), "account": _l("Accounts"), "contact": _l("Contacts"),
         "opportunity": _l("Opportunities"), "activity": _l("Activities"), "note": _l("Notes")}
CAP = 1000
COLUMNS = 4


def filter_args(raw: str) -> dict[str, str]:
    """The panel arguments of "mine", "qf=mine&f_level=A" or "/account/list/?qf=pool"."""
    raw = (raw or "").strip()
    if not raw:
        return {}
    if "=" not in raw and "?" not in raw:
        return {"qf": raw}
    query = urlsplit(raw).query if "?" in raw else raw
    return {k: v for k, v in parse_qsl(query) if k in ("qf", "q") or k.startswith("f_")}


def _view_choices() -> list[tuple[str, object]]:
    """The saved views the person editing the widget may open, on every list ("" = none)."""
    from app.security.current import current_actor  # who is editing: a choice list has no other context

    choices: list[tuple[str, object]] = [("", _l("None: use the list and filter below"))]
    user = current_actor()
    if user is None:
        return choices
    for entity, label in LISTS.items():
        for view in saved_views.views_for(user, saved_views.LIST_OF_ENTITY[entity]):
            choices.append((str(view.id), f"{label} · {view.name}"))
    return choices


@dataclass(frozen=True)
class ViewOption(Option):
    """A saved view's id. Kept as given (not checked against today's choices): a layout must outlive
    its views — `load` tells the viewer when the view is gone or no longer shared with them."""

    def clean(self, raw) -> object:
        if raw is None or raw == "":
            return ""
        value = str(raw).strip()
        if not value.isdigit() or len(value) > 9:
            raise ValidationFailed(_l("Choose a value for %(option)s.", option=self.label))
        return value


def load(ctx: Context, options: dict) -> dict:
    if options.get("view"):
        return _load_view(ctx, options)
    from app.views.panel import panel_clause  # the list's own filter rules, shared with the list

    view = ctx.lists.get(options["list"])
    name = LISTS[options["list"]]
    if view is None or not ctx.can(type(view).__name__):
        return {"error": _l("You cannot open this list."), "name": name}
    model, args = view.datamodel.obj, filter_args(options.get("filter", ""))
    quick = {q.key: q.label for q in view.panel.quick}
    try:
        clauses = panel_clause(model, view.panel, ctx.user, args)
    except (TypeError, ValueError):
        return {"error": _l("This filter does not fit the list."), "name": name}
    return _table(ctx, view, name, quick.get(args.get("qf", ""), ""), clauses,
                  saved_views.list_order(view, {}), list(view.list_columns), options["rows"], args)


def _load_view(ctx: Context, options: dict) -> dict:
    try:
        saved = saved_views.view_for(ctx.user, options["view"])
    except NotFound:
        return {"error": _l("The saved view chosen for this widget was deleted or is no longer shared with you."),
                "name": _l("Saved view")}
    entity = saved_views.ENTITY_OF_LIST.get(saved.list_name)
    view = ctx.lists.get(entity)
    name = LISTS.get(entity, _l("Saved view"))
    if view is None or not ctx.can(type(view).__name__):
        return {"error": _l("You cannot open this list."), "name": name}
    try:
        clauses, order = saved_views.list_query(view, ctx.user, saved.args)
    except (TypeError, ValueError):
        return {"error": _l("This filter does not fit the list."), "name": name}
    chosen = [c for c in saved.args.get("cols", "").split(",") if c in view.list_columns]
    return _table(ctx, view, name, saved.name, clauses, order, chosen or list(view.list_columns),
                  options["rows"], {**saved.args, "sv": saved.id})


def _table(ctx: Context, view, name, label, clauses, order, columns, rows: int, args: dict) -> dict:
    """The first `rows` records in the viewer's scope, in `order`, with up to four of `columns`."""
    model = view.datamodel.obj
    query = select(model).where(visibility_clause(model, ctx.user), *clauses)
    records = list(db.session.scalars(
        query.options(*(selectinload(getattr(model, rel)) for rel in view.datamodel.eager))
        .order_by(*order).limit(rows)))
    shown = [c for c in columns if c != "owner"][:COLUMNS] or list(columns)[:COLUMNS]
    formatters = view.formatters_columns
    table = [(row, [formatters[c](getattr(row, c)) if c in formatters else getattr(row, c) for c in shown])
             for row in records]
    return {
        "name": name,
        "filter": label,
        "labels": [view.label_columns.get(c, c) for c in shown],
        "rows": table,
        "count": capped_count(db.session, query.with_only_columns(model.id), CAP),
        "cap": CAP,
        "view": type(view).__name__,
        "args": args,
    }


WIDGET = Widget(
    key="any_list",
    title=_l("Any list"),
    description=_l("Any list with one of its filters or saved views, as a compact table."),
    load=load,
    size="wide",
    options=(
        ViewOption("view", _l("Saved view"), "", _view_choices),
        Option("list", _l("List"), "account", lambda: list(LISTS.items())),
        Option("filter", _l("Filter (a quick filter such as mine, or the address of a filtered list)"),
               "mine", text=True),
        Option("rows", _l("Rows"), 5, minimum=1, maximum=20),
    ),
)
