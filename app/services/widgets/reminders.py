"""Upcoming reminders, and how many are ringing now."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services.activities import due_reminders, upcoming_reminders

from .base import Context, Widget


def load(ctx: Context, options: dict) -> dict:
    due, ringing = due_reminders(ctx.user, limit=3, now=ctx.now)
    return {"due": due, "ringing": ringing, "upcoming": upcoming_reminders(ctx.user, limit=8, now=ctx.now)}


WIDGET = Widget(
    key="reminders",
    title=_l("Upcoming reminders"),
    description=_l("The reminders of your activities that come next."),
    load=load,
    needs=("ActivityView",),
)
