"""Recently viewed 最近访问 records."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services.recent import recent

from .base import Context, Widget


def load(ctx: Context, options: dict) -> dict:
    return {"items": [r for r in recent(ctx.user) if ctx.can(r.view)][:10]}


WIDGET = Widget(
    key="recent",
    title=_l("Recently viewed"),
    description=_l("The records you opened last."),
    load=load,
)
