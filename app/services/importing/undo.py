"""Undo an import batch: what it created goes to the recycle bin, what it updated gets its old values.

A record someone changed after the import keeps its newer values (its version moved on); the
result says how many were left alone. One transaction; history records every step.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update

from app.extensions import db
from app.models import Door, HistoryAction, ImportBatch, ImportRecord, ImportStatus
from app.models.actor import acting_as
from app.models.mixins import utcnow
from app.services.custom_fields.values import history_changes
from app.services.errors import CrmError
from app.services.history import record_bulk

from .fields import MODELS

IN_BATCH = 2_000


def undo_batch(batch: ImportBatch, user) -> dict:
    from .batches import can_undo

    if batch.status == ImportStatus.UNDONE:
        raise CrmError(_l("This import has already been undone."))
    if not can_undo(batch):
        raise CrmError(_l("This import can no longer be undone."))
    model = MODELS[batch.entity]
    table = model.__table__
    note = str(_l("Import #%(id)s undone", id=batch.id))
    now = utcnow()
    user_id = user.id if user is not None else None
    removed = restored = kept = 0
    try:
        with acting_as(user_id, Door.IMPORT):
            conn = db.session.connection()
            created = list(db.session.scalars(select(ImportRecord.record_id).where(
                ImportRecord.batch_id == batch.id, ImportRecord.action == "created")))
            for start in range(0, len(created), IN_BATCH):
                part = created[start:start + IN_BATCH]
                live = list(db.session.scalars(select(table.c.id).where(table.c.id.in_(part),
                                                                         table.c.deleted_at.is_(None))))
                if not live:
                    continue
                conn.execute(update(table).where(table.c.id.in_(live)).values(
                    deleted_at=now, deleted_by_id=user_id, updated_at=now, updated_by_id=user_id,
                    version=table.c.version + 1))
                record_bulk(conn, batch.entity, ((pk, {"deleted_at": [None, now.isoformat()]}) for pk in live),
                            HistoryAction.DELETE, note)
                removed += len(live)
            updated = db.session.execute(select(ImportRecord.record_id, ImportRecord.before).where(
                ImportRecord.batch_id == batch.id, ImportRecord.action == "updated")).all()
            restored, kept = _restore(conn, model, batch, updated, note, now, user_id)
            batch.status, batch.undone_at = ImportStatus.UNDONE, now
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return {"removed": removed, "restored": restored, "kept": kept}


def _restore(conn, model, batch, updated, note, now, user_id) -> tuple[int, int]:
    if not updated:
        return 0, 0
    table = model.__table__
    versions = {}
    ids = [pk for pk, _b in updated]
    for start in range(0, len(ids), IN_BATCH):
        versions.update(db.session.execute(select(table.c.id, table.c.version).where(
            table.c.id.in_(ids[start:start + IN_BATCH]))).all())
    restored, kept = [], 0
    for pk, before in updated:
        if versions.get(pk) != before.get("_version_after"):
            kept += 1
            continue
        restored.append((pk, {c: v for c, v in before.items() if not c.startswith("_")}))
    if not restored:
        return 0, kept
    current = {}
    for start in range(0, len(restored), IN_BATCH):
        part = [pk for pk, _v in restored[start:start + IN_BATCH]]
        current.update({row["id"]: dict(row) for row in db.session.execute(
            select(table).where(table.c.id.in_(part))).mappings()})
    columns = sorted(restored[0][1])
    keys = getattr(model, "MATCH_KEYS", {})
    from app.models.mixins import match_keys

    params, entries = [], []
    for pk, values in restored:
        typed = _typed(model, values)
        merged = {**{k: current[pk][k] for k in keys}, **match_keys(model, {**current[pk], **typed})}
        params.append({"_pk": pk, **{f"v_{c}": typed[c] for c in columns}, **{f"v_{k}": merged[k] for k in keys}})
        changes = {c: [_text(current[pk][c]), values[c]] for c in columns if current[pk][c] != typed[c]}
        if "custom" in changes:  # custom fields 自定义字段: one history entry per field
            changes.update(history_changes(current[pk]["custom"], changes.pop("custom")[1]))
        entries.append((pk, changes))
    statement = update(table).where(table.c.id == bindparam("_pk")).values(
        {**{c: bindparam(f"v_{c}") for c in [*columns, *keys]},
         "version": table.c.version + 1, "updated_at": now, "updated_by_id": user_id})
    conn.execute(statement, params)
    record_bulk(conn, batch.entity, entries, HistoryAction.UPDATE, note)
    return len(restored), kept


def _typed(model, values: dict) -> dict:
    """Values from the JSON before-image back in their column types (dates, amounts)."""
    import datetime as dt
    from decimal import Decimal

    from sqlalchemy import Date, DateTime, Numeric

    out = {}
    for name, value in values.items():
        column_type = model.__table__.c[name].type
        if value is not None and isinstance(column_type, DateTime):
            value = dt.datetime.fromisoformat(value)
        elif value is not None and isinstance(column_type, Date):
            value = dt.date.fromisoformat(value)
        elif value is not None and isinstance(column_type, Numeric):
            value = Decimal(str(value))
        out[name] = value
    return out


def _text(value):
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
