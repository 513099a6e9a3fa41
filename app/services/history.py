"""The one mechanism that writes history: an `after_flush` hook on every session.

Whatever the door (screen, API, import, bulk action, CLI), a change of an audited record goes
through a flush, so nothing has to remember to log. Services may label a change more precisely
(claim, merge, conversion …) with `label_change`, which the hook consumes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from app.models import Account, Activity, Contact, Lead, Opportunity, Ticket
from app.models.actor import current_door, current_user_id
from app.models.history import History, HistoryAction
from app.models.mixins import utcnow

AUDITED = {Lead: "lead", Account: "account", Contact: "contact", Opportunity: "opportunity",
           Activity: "activity", Ticket: "ticket"}
# bookkeeping columns whose change is implied by the history row itself
NOT_RECORDED = {"id", "created_at", "updated_at", "created_by_id", "updated_by_id", "version",
                "deleted_by_id", "mobile_key", "email_key", "company_key", "name_key", "phone_key",
                "access_token_hash"}  # a ticket's private-link hash: a secret, never copied


def label_change(record, action: HistoryAction, note: str | None = None) -> None:
    """Tell the hook what a pending change means, e.g. CLAIM instead of OWNER_CHANGE."""
    record.__dict__["_history_label"] = (action, note)


def install_history_hook() -> None:
    if event.contains(Session, "after_flush", _record):
        return
    event.listen(Session, "after_flush", _record)
    # Without an active history SQLAlchemy forgets the old value of an attribute that was not
    # loaded when it was set (e.g. after a commit expired it); history needs old -> new.
    for model in AUDITED:
        for attr in model.__mapper__.column_attrs:
            if attr.key not in NOT_RECORDED:
                event.listen(getattr(model, attr.key), "set", _keep_old_value, active_history=True)


def _keep_old_value(target, value, oldvalue, initiator):
    return value


def _record(session: Session, _flush_context) -> None:
    rows = []
    for obj in session.new:
        if type(obj) in AUDITED:
            rows.append(_row(obj, HistoryAction.CREATE, _snapshot(obj)))
    for obj in session.dirty:
        if type(obj) in AUDITED:
            changes = _changes(obj)
            if changes:
                rows.append(_row(obj, _action_for(changes), changes))
    for obj in session.deleted:
        if type(obj) in AUDITED:
            rows.append(_row(obj, HistoryAction.DELETE, {}, note="destroyed"))
    if rows:
        session.connection().execute(insert(History.__table__), rows)


def record_bulk(connection, entity: str, entries, action: HistoryAction, note: str | None = None) -> None:
    """History for rows written by Core bulk statements (imports, undo), which no flush sees.

    `entries` are (record id, changes) pairs; door and actor come from `acting_as` as for the hook.
    """
    from app.services.fast_insert import insert_columns

    entries = list(entries)
    n = len(entries)
    insert_columns(connection, History.__table__, {
        "entity": [entity] * n, "record_id": [rid for rid, _c in entries], "action": [action.value] * n,
        "door": [current_door()] * n, "actor_id": [current_user_id()] * n, "at": [utcnow()] * n,
        "changes": [changes for _rid, changes in entries], "note": [note] * n})


def _row(obj, action: HistoryAction, changes: dict, note: str | None = None) -> dict:
    label = obj.__dict__.pop("_history_label", None)
    if label is not None:
        action, note = label[0], label[1] or note
    return {
        "entity": AUDITED[type(obj)],
        "record_id": obj.id,
        "action": action.value,
        "door": current_door(),
        "actor_id": current_user_id(),
        "at": utcnow(),
        "changes": changes,
        "note": note,
    }


def _action_for(changes: dict) -> HistoryAction:
    if "deleted_at" in changes:
        return HistoryAction.RESTORE if changes["deleted_at"][1] is None else HistoryAction.DELETE
    if "owner_id" in changes:
        return HistoryAction.OWNER_CHANGE
    return HistoryAction.UPDATE


def _snapshot(obj) -> dict:
    state = inspect(obj)
    out = {
        attr.key: [None, _plain(getattr(obj, attr.key))]
        for attr in state.mapper.column_attrs
        if attr.key not in NOT_RECORDED and attr.key != "custom" and getattr(obj, attr.key) is not None
    }
    if getattr(obj, "custom", None):  # custom fields 自定义字段, one entry per field
        from app.services.custom_fields.values import history_changes

        out.update(history_changes(None, obj.custom))
    return out


def _changes(obj) -> dict:
    state = inspect(obj)
    out = {}
    for attr in state.mapper.column_attrs:
        if attr.key in NOT_RECORDED:
            continue
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if attr.key == "custom":  # custom fields 自定义字段: one entry per field, not the whole JSON
                from app.services.custom_fields.values import history_changes

                out.update(history_changes(old, new))
            elif old != new:
                out[attr.key] = [_plain(old), _plain(new)]
    for rel in state.mapper.relationships:
        if rel.secondary is None:
            continue  # many-to-one changes show up as their foreign-key column above
        hist = state.attrs[rel.key].history
        if hist.has_changes():
            out[rel.key] = [sorted(str(v) for v in hist.deleted), sorted(str(v) for v in hist.added)]
    return out


def _plain(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, (int, float, bool, str)):
        return value
    return str(value)


def timeline(entity: str, record_id: int, limit: int = 50) -> list[History]:
    """The newest history entries of one record (the caller has already checked it is visible)."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from app.extensions import db

    return list(
        db.session.scalars(
            select(History)
            .where(History.entity == entity, History.record_id == record_id)
            .options(selectinload(History.actor))
            .order_by(History.at.desc(), History.id.desc())
            .limit(limit)
        )
    )
