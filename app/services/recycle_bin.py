"""Recycle bin 回收站: soft delete with children, restore, and permanent deletion (purge/destroy).

A record and the children deleted with it share one `deleted_at` stamp; restoring the record
brings back exactly those children, not ones deleted separately before.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import Account, Activity, Contact, Lead, Note, Opportunity, Ticket, utcnow
from app.models.actor import current_user_id
from app.security.scope import visibility_clause

from .errors import CrmError, NotFound

# parent model -> [(child model, foreign key on the child)]
CHILDREN = {
    Account: [(Contact, "account_id"), (Opportunity, "account_id"), (Activity, "account_id"),
              (Note, "account_id")],
    Contact: [(Activity, "contact_id"), (Note, "contact_id")],
    Opportunity: [(Activity, "opportunity_id"), (Note, "opportunity_id")],
    Lead: [(Activity, "lead_id"), (Note, "lead_id")],
    Activity: [],
    Note: [],
    Ticket: [],  # its conversation stays with it; destroying the ticket erases it (ORM cascade)
}
BIN_ENTITIES = {"lead": Lead, "account": Account, "contact": Contact, "opportunity": Opportunity,
                "activity": Activity, "note": Note, "ticket": Ticket}
ENTITY_OF = {model: name for name, model in BIN_ENTITIES.items()}
# the links that must be alive before a child can come back on its own
PARENT_LINKS = {
    child: [(fk, parent) for parent, kids in CHILDREN.items() for kid, fk in kids if kid is child]
    for child in CHILDREN
}
DELETED = {"include_deleted": True}


class ParentDeleted(CrmError):
    status_code = 409


def soft_delete(session: Session, records, commit: bool = True) -> int:
    """Move records and their children to the recycle bin in one transaction."""
    stamp, actor = utcnow(), current_user_id()
    count = 0
    try:
        for record in records:
            if record.deleted_at is None:
                count += 1
                _mark(session, record, stamp, actor)
        if commit:
            session.commit()
    except Exception:
        session.rollback()
        raise
    return count


def soft_delete_ids(session: Session, model, ids: list[int], chunk: int = 1000) -> dict:
    """Set-based soft delete for bulk actions: the live records `ids` (already read through the
    data scope by the caller) and their live children get one stamp, as `soft_delete` does one by
    one. No commit. Returns {model: {id: stamp}} of every row it deleted, for the caller's history."""
    from sqlalchemy import update

    stamp, actor = utcnow(), current_user_id()
    deleted: dict = {}
    frontier = {model: list(dict.fromkeys(ids))}
    while frontier:
        children: dict = {}
        for current, pks in frontier.items():
            done = deleted.setdefault(current, {})
            table = current.__table__
            pks = [pk for pk in pks if pk not in done]
            for start in range(0, len(pks), chunk):
                part = pks[start:start + chunk]
                session.execute(
                    update(table).where(table.c.id.in_(part), table.c.deleted_at.is_(None))
                    .values(deleted_at=stamp, deleted_by_id=actor, updated_at=stamp, updated_by_id=actor,
                            version=table.c.version + 1))
                done.update(dict.fromkeys(part, stamp))
                for child, fk in CHILDREN[current]:
                    kids = child.__table__
                    children.setdefault(child, []).extend(session.execute(
                        select(kids.c.id).where(kids.c[fk].in_(part), kids.c.deleted_at.is_(None))).scalars())
        frontier = {m: pks for m, pks in children.items() if pks}
    return deleted


def _mark(session: Session, record, stamp: dt.datetime, actor: int | None) -> None:
    record.deleted_at, record.deleted_by_id = stamp, actor
    for child_model, fk in CHILDREN[type(record)]:
        for child in session.scalars(select(child_model).where(getattr(child_model, fk) == record.id)):
            if child.deleted_at is None:
                _mark(session, child, stamp, actor)


def restore(session: Session, model, pk: int, user) -> object:
    """Bring a record back with the children that were deleted together with it."""
    record = _deleted_record(session, model, pk, user)
    for fk, parent_model in PARENT_LINKS[model]:
        parent_id = getattr(record, fk)
        parent = session.get(parent_model, parent_id, execution_options=DELETED) if parent_id else None
        if parent is not None and parent.deleted_at is not None:
            raise ParentDeleted(
                _l("It belongs to %(parent)s, which is in the recycle bin: restore that first.",
                   parent=str(parent))
            )
    try:
        _unmark(session, record, record.deleted_at)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return record


def _unmark(session: Session, record, stamp: dt.datetime) -> None:
    record.deleted_at, record.deleted_by_id = None, None
    for child_model, fk in CHILDREN[type(record)]:
        children = session.scalars(
            select(child_model)
            .where(getattr(child_model, fk) == record.id, child_model.deleted_at == stamp)
            .execution_options(**DELETED)
        )
        for child in children:
            _unmark(session, child, stamp)


def destroy(session: Session, model, pk: int, user) -> None:
    """Delete permanently (the separate "destroy" permission); history keeps the record's trail."""
    record = _deleted_record(session, model, pk, user)
    try:
        _erase(session, record)
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise CrmError(_l("Other records still point to this one; it cannot be destroyed.")) from exc


def _erase(session: Session, record, counts: dict[str, int] | None = None) -> None:
    for child_model, fk in CHILDREN[type(record)]:
        children = session.scalars(
            select(child_model).where(getattr(child_model, fk) == record.id).execution_options(**DELETED)
        ).all()
        for child in children:
            _erase(session, child, counts)
    session.delete(record)
    session.flush()
    if counts is not None:
        counts[ENTITY_OF[type(record)]] += 1


def purge(session: Session, older_than_days: int) -> dict[str, int]:
    """Destroy everything that has been in the recycle bin longer than the retention period."""
    cutoff = utcnow() - dt.timedelta(days=older_than_days)
    counts = dict.fromkeys(BIN_ENTITIES, 0)
    try:
        # parents first: erasing a parent takes its children (deleted with it) along
        for name in ("account", "lead", "opportunity", "contact", "activity", "note", "ticket"):
            model = BIN_ENTITIES[name]
            ids = session.scalars(
                select(model.id).where(model.deleted_at < cutoff).execution_options(**DELETED)
            ).all()
            for pk in ids:
                record = session.get(model, pk, execution_options=DELETED)
                if record is not None:  # may be gone already, with its parent
                    _erase(session, record, counts)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return counts


def deleted_records(session: Session, user, entity: str | None = None, limit: int = 200) -> list:
    """What this user's recycle bin shows: deleted records inside their data scope, newest first."""
    rows = []
    for name, model in BIN_ENTITIES.items():
        if entity and name != entity:
            continue
        stmt = (
            select(model)
            .where(model.deleted_at.is_not(None), visibility_clause(model, user))
            .order_by(model.deleted_at.desc())
            .limit(limit)
            .execution_options(**DELETED)
        )
        rows += [(name, r) for r in session.scalars(stmt)]
    rows.sort(key=lambda pair: pair[1].deleted_at, reverse=True)
    return rows[:limit]


def _deleted_record(session: Session, model, pk: int, user):
    record = session.scalars(
        select(model)
        .where(model.id == pk, model.deleted_at.is_not(None), visibility_clause(model, user))
        .execution_options(**DELETED)
    ).first()
    if record is None:
        raise NotFound(_l("No such record in the recycle bin."))
    return record
