"""Denied attempts: who tried to reach which record through which door — never the record's data."""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.extensions import db

log = logging.getLogger("crm.security.denied")


def record_exists(model, pk) -> bool:
    """Whether a live record exists at all, ignoring the data scope (for logging only)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return False
    return db.session.scalar(select(model.id).where(model.id == pk)) is not None


def log_denied(user, entity: str, pk, door: str) -> None:
    log.warning("denied user_id=%s entity=%s id=%s door=%s",
                getattr(user, "id", None), entity, pk, door)
