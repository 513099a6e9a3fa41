"""Rules for new business records that every door shares."""

from __future__ import annotations

from app.models.actor import current_user_id


def assign_creator_as_owner(record) -> None:
    """A new record belongs to whoever creates it, unless a service already chose an owner."""
    if hasattr(record, "owner_id") and record.owner_id is None and getattr(record, "owner", None) is None:
        record.owner_id = current_user_id()


def blank_to_none(record) -> None:
    """Forms send "" for an empty box; store NULL so "empty" means one thing (dedup, filters)."""
    for attr in record.__mapper__.column_attrs:
        value = getattr(record, attr.key, None)
        if isinstance(value, str):
            stripped = value.strip()
            if stripped != value or not stripped:
                setattr(record, attr.key, stripped or None)
