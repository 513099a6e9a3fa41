"""The home page's widget catalogue 组件. One module per widget, each exporting `WIDGET`.

To add a widget (e.g. target progress or a leaderboard from the targets/rewards feature):
1. write app/services/widgets/<key>.py with
       WIDGET = Widget(key="<key>", title=_l("…"), description=_l("…"), load=load,
                       size="small" | "wide", options=(…), needs=("SomeView",))
   where `load(ctx, options) -> dict` computes what to show, scoped with
   app.security.scope (ctx.user, ctx.now in naive UTC, ctx.zone, ctx.can(view_name));
2. write its template app/templates/crm/widgets/<key>.html (it receives `data`, `item` and
   `widget`; link to the matching filtered list with url_for);
3. add ONE line to `_MODULES` below.
Role defaults (app/services/home.py) and users' layouts then offer it from the catalogue.
"""

from __future__ import annotations

from importlib import import_module

from .base import SIZES, Context, Option, Widget

_MODULES = (
    "kpis",
    "tasks",
    "reminders",
    "recent",
    "pipeline",
    "neglected",
    "any_list",
    "tickets",
    "target_progress",
    "leaderboard",
    "saved_chart",
)

WIDGETS: dict[str, Widget] = {}
for _name in _MODULES:
    _widget = import_module(f"{__name__}.{_name}").WIDGET
    WIDGETS[_widget.key] = _widget

__all__ = ["SIZES", "WIDGETS", "Context", "Option", "Widget"]
