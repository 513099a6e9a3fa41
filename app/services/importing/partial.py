"""Taking back what a stopped import had already committed, so a failed import leaves nothing.

Imports commit in slices (SQLite's write lock is released between them); when a later slice fails,
the runner rolls that slice back and calls `discard`: records the batch created are removed with
their history (they never became part of a finished import), records it updated get their values
from before the import back (unless someone changed them since, as undo does), and the batch's
undo records and refused rows go. One transaction on the given connection; the caller commits.
When the process dies instead of failing, `recovery` runs the same step later for its batch.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.models import History, HistoryAction, ImportFailure, ImportRecord
from app.models.mixins import utcnow
from app.services.history import record_bulk

from .fields import MODELS

IN_BATCH = 2_000


class _Batch:  # what undo's restore step reads of a batch
    def __init__(self, batch_id: int, entity: str):
        self.id, self.entity = batch_id, entity


def discard(conn, batch_id: int, entity: str, note: str, user_id: int | None) -> dict:
    """Remove what batch `batch_id` wrote; returns {"removed", "restored", "kept"}."""
    from .undo import _restore

    model = MODELS[entity]
    table = model.__table__
    now = utcnow()
    # a write first: on SQLite it opens the transaction the savepoints below then nest in
    conn.execute(delete(ImportFailure.__table__).where(ImportFailure.batch_id == batch_id))
    created = list(conn.execute(select(ImportRecord.record_id).where(
        ImportRecord.batch_id == batch_id, ImportRecord.action == "created")).scalars())
    removed = 0
    for start in range(0, len(created), IN_BATCH):
        part = created[start:start + IN_BATCH]
        removed += _remove(conn, table, entity, part, note, now, user_id)
    updated = conn.execute(select(ImportRecord.record_id, ImportRecord.before).where(
        ImportRecord.batch_id == batch_id, ImportRecord.action == "updated")).all()
    restored, kept = _restore(conn, model, _Batch(batch_id, entity), updated, note, now, user_id)
    conn.execute(delete(ImportRecord.__table__).where(ImportRecord.batch_id == batch_id))
    return {"removed": removed, "restored": restored, "kept": kept}


def _remove(conn, table, entity: str, ids: list[int], note: str, now, user_id) -> int:
    """Delete the records and their history; a record something else already points to (someone
    logged an activity on it meanwhile) goes to the recycle bin instead."""
    savepoint = conn.begin_nested()
    try:
        conn.execute(delete(History.__table__).where(History.entity == entity, History.record_id.in_(ids)))
        conn.execute(delete(table).where(table.c.id.in_(ids)))
        savepoint.commit()
        return len(ids)
    except IntegrityError:
        savepoint.rollback()
    live = list(conn.execute(select(table.c.id).where(table.c.id.in_(ids), table.c.deleted_at.is_(None))).scalars())
    if live:
        conn.execute(update(table).where(table.c.id.in_(live)).values(
            deleted_at=now, deleted_by_id=user_id, updated_at=now, updated_by_id=user_id, version=table.c.version + 1))
        record_bulk(conn, entity, ((pk, {"deleted_at": [None, now.isoformat()]}) for pk in live),
                    HistoryAction.DELETE, note)
    return len(live)
