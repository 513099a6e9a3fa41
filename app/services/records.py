"""Creating and deleting business records: the rules every door shares."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import utcnow
from app.models.actor import current_user_id


def assign_creator_as_owner(record) -> None:
    """A new record belongs to whoever creates it, unless a service already chose an owner."""
    if hasattr(record, "owner_id") and record.owner_id is None and getattr(record, "owner", None) is None:
        record.owner_id = current_user_id()


def soft_delete(session: Session, records, commit: bool = True) -> int:
    """Move records to the recycle bin: they keep their data and vanish from every query."""
    now, actor = utcnow(), current_user_id()
    count = 0
    try:
        for record in records:
            if record.deleted_at is None:
                record.deleted_at = now
                record.deleted_by_id = actor
                count += 1
        if commit:
            session.commit()
    except Exception:
        session.rollback()
        raise
    return count
