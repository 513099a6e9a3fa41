"""Saved views 场景: a list's filters, search, sort and columns under a name, and a personal default.

A view stores request arguments only. Whoever opens it gets the list evaluated in their own data
scope: sharing a view never shares records. Sharing beyond oneself needs the share permission,
which the door checks and passes in as `may_share`.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select

from app.extensions import db
from app.models.saved_view import SavedView, SavedViewDefault, Sharing
from app.services.errors import NotFound, ValidationFailed

#: request arguments a view keeps: quick filter, search, facets, custom fields, drill-down,
#: FAB's sort (_oc_/_od_) and advanced search (_flt_), chosen columns
KEPT_PREFIXES = ("f_", "cf_", "a_", "_oc_", "_od_", "_flt_")
KEPT_NAMES = ("qf", "q", "cols")
MAX_VIEWS_PER_LIST = 50


def clean_args(args: dict) -> dict:
    out = {}
    for key, value in args.items():
        if (key in KEPT_NAMES or key.startswith(KEPT_PREFIXES)) and value not in (None, "") and len(key) <= 60:
            out[key] = str(value)[:500]
    return out


def _visible_clause(user):
    clauses = [SavedView.owner_id == user.id, SavedView.sharing == Sharing.EVERYONE]
    if getattr(user, "department_id", None) is not None:
        clauses.append((SavedView.sharing == Sharing.DEPARTMENT) & (SavedView.department_id == user.department_id))
    return or_(*clauses)


def views_for(user, list_name: str) -> list[SavedView]:
    """The user's own views of this list, then those shared with their department or everyone."""
    stmt = (select(SavedView).where(SavedView.list_name == list_name, _visible_clause(user))
            .order_by((SavedView.owner_id != user.id), SavedView.name, SavedView.id))
    return list(db.session.scalars(stmt))


def get_view(user, view_id: int) -> SavedView:
    found = db.session.scalar(select(SavedView).where(SavedView.id == view_id, _visible_clause(user)))
    if found is None:
        raise NotFound(_l("No such view."))
    return found


def save_view(user, list_name: str, name: str, args: dict, sharing: str = Sharing.PRIVATE,
              *, may_share: bool = False) -> SavedView:
    """A new view, or the user's own view of the same name updated."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_l("Give the view a name."))
    if len(name) > 100:
        raise ValidationFailed(_l("At most %(max)s characters.", max=100))
    if sharing not in {s.value for s in Sharing}:
        raise ValidationFailed(_l("Choose who sees the view."))
    if sharing != Sharing.PRIVATE and not may_share:
        raise ValidationFailed(_l("You may save views for yourself only."))
    if sharing == Sharing.DEPARTMENT and getattr(user, "department_id", None) is None:
        raise ValidationFailed(_l("You belong to no department: share with everyone or keep it private."))
    view = db.session.scalar(select(SavedView).where(SavedView.owner_id == user.id,
                                                     SavedView.list_name == list_name, SavedView.name == name))
    if view is None:
        count = len([v for v in views_for(user, list_name) if v.owner_id == user.id])
        if count >= MAX_VIEWS_PER_LIST:
            raise ValidationFailed(_l("At most %(max)s views per list.", max=MAX_VIEWS_PER_LIST))
        view = SavedView(owner_id=user.id, list_name=list_name, name=name)
        db.session.add(view)
    view.args = clean_args(args)
    view.sharing = sharing
    view.department_id = user.department_id if sharing == Sharing.DEPARTMENT else None
    db.session.commit()
    return view


def delete_view(user, view_id: int, *, may_manage_all: bool = False) -> None:
    view = get_view(user, view_id)
    if view.owner_id != user.id and not may_manage_all:
        raise ValidationFailed(_l("Only the person who saved a view may delete it."))
    db.session.execute(delete(SavedViewDefault).where(SavedViewDefault.view_id == view.id))
    db.session.delete(view)
    db.session.commit()


def set_default(user, list_name: str, view_id: int | None) -> None:
    """The view this user's list opens with (None: no default)."""
    db.session.execute(delete(SavedViewDefault).where(SavedViewDefault.user_id == user.id,
                                                      SavedViewDefault.list_name == list_name))
    if view_id is not None:
        view = get_view(user, view_id)
        if view.list_name != list_name:
            raise ValidationFailed(_l("This view belongs to another list."))
        db.session.add(SavedViewDefault(user_id=user.id, list_name=list_name, view_id=view.id))
    db.session.commit()


def default_view(user, list_name: str) -> SavedView | None:
    row = db.session.get(SavedViewDefault, (user.id, list_name))
    if row is None:
        return None
    try:
        return get_view(user, row.view_id)  # no longer shared with them: no default
    except NotFound:
        return None


# -- a view (or any list's arguments) as SQL, for the doors that show rows outside the list itself:
# the home page's "any list" widget and exports. The data scope is never part of a view: every
# caller adds the viewer's own (app.security.scope), so a shared view shares no records.

#: entity (glossary name) -> the list view class that declares its panel and columns
LIST_OF_ENTITY = {"lead": "LeadView", "account": "AccountView", "contact": "ContactView",
                  "opportunity": "OpportunityView", "activity": "ActivityView", "note": "NoteView"}
ENTITY_OF_LIST = {name: entity for entity, name in LIST_OF_ENTITY.items()}
_FLT = re.compile(r"_flt_(\d)_(.+)")


def view_for(user, view_id, list_name: str | None = None) -> SavedView:
    """A view the user may open, of `list_name` when given; NotFound otherwise (a view deleted, not
    shared with them, or of another list all look the same)."""
    view_id = int(view_id) if str(view_id).isdigit() and len(str(view_id)) < 10 else 0
    view = db.session.scalar(select(SavedView).where(SavedView.id == view_id, _visible_clause(user)))
    if view is None or (list_name is not None and view.list_name != list_name):
        raise NotFound(_l("No such saved view, or it is not shared with you."))
    return view


def list_query(list_view, user, args) -> tuple[list, tuple]:
    """(WHERE clauses, ORDER BY) that a list's arguments mean: the left panel (quick filter, facets,
    search, custom fields, drill-down), FAB's advanced search (_flt_) and sort (_oc_/_od_), exactly as
    the list applies them. `args` is a dict or a MultiDict (request.args); the scope is not included."""
    from app.views.panel import panel_clause  # the list's own filter rules, shared with the list

    model = list_view.datamodel.obj
    clauses = list(panel_clause(model, list_view.panel, user, args))
    allowed = list_view._filters.get_search_filters()
    filters = list_view._filters.copy()
    filters.clear_filters()
    for key in args:
        match = _FLT.fullmatch(key)
        if match and match[2] in allowed:
            values = args.getlist(key) if hasattr(args, "getlist") else [args[key]]
            filters.add_filter_index(match[2], int(match[1]), values)
    where = filters.apply_all(select(model)).whereclause
    if where is not None:
        clauses.append(where)
    return clauses, list_order(list_view, args)


def list_order(list_view, args) -> tuple:
    """The list's sort from `_oc_<View>` / `_od_<View>` (a column it may sort by), else its default."""
    model, name = list_view.datamodel.obj, type(list_view).__name__
    column, direction = args.get(f"_oc_{name}"), args.get(f"_od_{name}")
    if column and direction in ("asc", "desc") and column in list_view.order_columns and hasattr(model, column):
        attr = getattr(model, column)
        return (attr.desc() if direction == "desc" else attr.asc(), model.id.desc())
    base_column, base_direction = list_view.base_order or ("id", "desc")
    attr = getattr(model, base_column)
    first = attr.desc() if base_direction == "desc" else attr.asc()
    return (first,) if base_column == "id" else (first, model.id.desc())
