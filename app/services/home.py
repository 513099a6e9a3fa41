"""Home 主页 layouts: each user's grid of widgets, and the role defaults they start from.

A layout is an ordered list of items {"id": "w3", "key": "kpis", "size": "small"|"wide",
"options": {...}}. Users change their own; admins set each role's default; "reset" goes back to
the default of the user's first role that has one (or the built-in default for that role).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import HomeLayout, RoleHomeLayout

from .errors import NotFound, ValidationFailed
from .transactions import retry_on_conflict
from .widgets import SIZES, WIDGETS

MAX_WIDGETS = 24
_ID = re.compile(r"^w\d{1,6}$")


def _item(key: str, size: str | None = None, **options) -> dict:
    widget = WIDGETS[key]
    return {"key": key, "size": size or widget.size, "options": widget.clean_options(options)}


# built-in defaults, per role name; admins override them on the "Home defaults" screen
BUILT_IN: dict[str, list[dict]] = {
    "Sales Rep": [_item("kpis"), _item("tasks"), _item("reminders"), _item("pipeline"),
                  _item("neglected"), _item("recent")],
    "Sales Manager": [_item("kpis", scope="team"), _item("tasks"), _item("pipeline", scope="team"),
                      _item("neglected", scope="team"), _item("recent"), _item("reminders")],
    "Sales Director": [_item("kpis", scope="team"), _item("pipeline", scope="team"), _item("tasks"),
                       _item("recent")],
    "Customer Service": [_item("tasks"), _item("reminders"), _item("recent"),
                         _item("any_list", list="account", filter="all")],
    "Executive": [_item("kpis", scope="team"), _item("pipeline", scope="team"), _item("recent")],
    "Admin": [_item("kpis", scope="team"), _item("pipeline", scope="team"), _item("tasks"),
              _item("recent")],
}
FALLBACK = [_item("tasks"), _item("reminders"), _item("recent")]


def _with_ids(items: list[dict]) -> list[dict]:
    return [{**item, "id": f"w{i + 1}"} for i, item in enumerate(items)]


def clean_layout(items, allowed: Callable[[str], bool] = lambda key: True) -> list[dict]:
    """A valid layout from untrusted input; unknown or forbidden widgets are refused."""
    if not isinstance(items, list):
        raise ValidationFailed(_l("The layout could not be read."))
    if len(items) > MAX_WIDGETS:
        raise ValidationFailed(_l("A home page holds at most %(max)s widgets.", max=MAX_WIDGETS))
    out, seen = [], set()
    for raw in items:
        if not isinstance(raw, dict) or raw.get("key") not in WIDGETS or not allowed(raw["key"]):
            raise ValidationFailed(_l("This widget is not available."))
        size = raw.get("size") or WIDGETS[raw["key"]].size
        if size not in SIZES:
            raise ValidationFailed(_l("Choose small or wide."))
        options = raw.get("options") if isinstance(raw.get("options"), dict) else {}
        item_id = str(raw.get("id") or "")
        if not _ID.match(item_id) or item_id in seen:
            item_id = _next_id(out, seen)
        seen.add(item_id)
        out.append({"id": item_id, "key": raw["key"], "size": size,
                    "options": WIDGETS[raw["key"]].clean_options(options)})
    return out


def _next_id(items: list[dict], taken: set[str] = frozenset()) -> str:
    used = {int(i["id"][1:]) for i in items if _ID.match(str(i.get("id", "")))}
    used |= {int(t[1:]) for t in taken if _ID.match(t)}
    return f"w{max(used, default=0) + 1}"


def _usable(items) -> list[dict]:
    """Stored layouts outlive code: drop widgets that no longer exist, repair odd options."""
    out: list[dict] = []
    for item in items or []:
        try:
            out += clean_layout([item])
        except ValidationFailed:
            continue
    seen: set[str] = set()
    for item in out:  # ids stay unique
        if item["id"] in seen:
            item["id"] = _next_id(out, seen)
        seen.add(item["id"])
    return out


# -- reading -------------------------------------------------------------------------------------

def role_default(role) -> list[dict]:
    row = db.session.scalar(select(RoleHomeLayout).where(RoleHomeLayout.role_id == role.id))
    if row is not None:
        return _usable(row.widgets)
    return _with_ids(BUILT_IN.get(role.name, FALLBACK))


def default_for(user) -> list[dict]:
    roles = sorted(user.roles, key=lambda r: r.id)
    rows = {r.role_id: r for r in db.session.scalars(
        select(RoleHomeLayout).where(RoleHomeLayout.role_id.in_([r.id for r in roles])))}
    for role in roles:
        if role.id in rows:
            return _usable(rows[role.id].widgets)
    for role in roles:
        if role.name in BUILT_IN:
            return _with_ids(BUILT_IN[role.name])
    return _with_ids(FALLBACK)


def layout_for(user) -> list[dict]:
    row = db.session.scalar(select(HomeLayout).where(HomeLayout.user_id == user.id))
    return _usable(row.widgets) if row is not None else default_for(user)


def is_customised(user) -> bool:
    return db.session.scalar(select(HomeLayout.id).where(HomeLayout.user_id == user.id)) is not None


# -- writing -------------------------------------------------------------------------------------

@retry_on_conflict
def save_layout(user, items, allowed: Callable[[str], bool] = lambda key: True) -> list[dict]:
    layout = clean_layout(items, allowed)
    row = db.session.scalar(select(HomeLayout).where(HomeLayout.user_id == user.id))
    if row is None:
        row = HomeLayout(user_id=user.id, widgets=layout)
        db.session.add(row)
    else:
        row.widgets = layout
    db.session.commit()
    return layout


@retry_on_conflict
def reset_layout(user) -> list[dict]:
    row = db.session.scalar(select(HomeLayout).where(HomeLayout.user_id == user.id))
    if row is not None:
        db.session.delete(row)
        db.session.commit()
    return default_for(user)


@retry_on_conflict
def save_role_default(role, items) -> list[dict]:
    layout = clean_layout(items)
    row = db.session.scalar(select(RoleHomeLayout).where(RoleHomeLayout.role_id == role.id))
    if row is None:
        db.session.add(RoleHomeLayout(role_id=role.id, widgets=layout))
    else:
        row.widgets = layout
    db.session.commit()
    return layout


@retry_on_conflict
def reset_role_default(role) -> list[dict]:
    row = db.session.scalar(select(RoleHomeLayout).where(RoleHomeLayout.role_id == role.id))
    if row is not None:
        db.session.delete(row)
        db.session.commit()
    return role_default(role)


# -- edits on a layout (pure: the door saves the result) -----------------------------------------

def _find(items: list[dict], item_id: str) -> int:
    for index, item in enumerate(items):
        if item["id"] == item_id:
            return index
    raise NotFound(_l("This widget is no longer on the page."))


def add_widget(items: list[dict], key: str, options: dict | None = None) -> list[dict]:
    if key not in WIDGETS:
        raise ValidationFailed(_l("This widget is not available."))
    widget = WIDGETS[key]
    new = {"id": _next_id(items), "key": key, "size": widget.size,
           "options": widget.clean_options(options)}
    return [*items, new]


def remove_widget(items: list[dict], item_id: str) -> list[dict]:
    index = _find(items, item_id)
    return items[:index] + items[index + 1:]


def move_widget(items: list[dict], item_id: str, delta: int) -> list[dict]:
    index = _find(items, item_id)
    target = max(0, min(len(items) - 1, index + delta))
    out = list(items)
    out.insert(target, out.pop(index))
    return out


def reorder(items: list[dict], ids: list[str]) -> list[dict]:
    """Put the widgets in the order of `ids` (a drag and drop); it must name each widget once."""
    if sorted(ids) != sorted(i["id"] for i in items):
        raise ValidationFailed(_l("The page changed meanwhile: reload it and try again."))
    by_id = {i["id"]: i for i in items}
    return [by_id[i] for i in ids]


def resize_widget(items: list[dict], item_id: str, size: str) -> list[dict]:
    if size not in SIZES:
        raise ValidationFailed(_l("Choose small or wide."))
    index = _find(items, item_id)
    out = list(items)
    out[index] = {**out[index], "size": size}
    return out


def configure_widget(items: list[dict], item_id: str, raw: dict) -> list[dict]:
    index = _find(items, item_id)
    out = list(items)
    out[index] = {**out[index], "options": WIDGETS[out[index]["key"]].clean_options(raw)}
    return out
