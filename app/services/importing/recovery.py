"""Imports whose process died mid-way (SIGKILL, out of memory, power loss, a worker timed out).

A running batch renews `import_batch.heartbeat_at` in the same transaction as every slice it
commits. A batch still queued / checking / saving whose heartbeat is older than
CRM_IMPORT_STALE_MINUTES (longer than any one slice can take) has lost its process: `recover`
takes back what its committed slices wrote (`partial.discard`, the same step a failing import
runs) and marks it "interrupted" — all in one transaction, so a recovery that itself dies leaves
the batch as it was, for the next attempt.

The batch is claimed first, by one conditional UPDATE (still running, heartbeat still old), so
two recoverers — workers, the scheduler, the CLI — never discard the same batch twice, and a batch
another live process is still writing (fresh heartbeat) is never touched. A slow import that
wakes up after being recovered finds its batch no longer running at its next slice and stops
(`batches._commit_slice`), so no slice of it is saved after the recovery.

Doors: the scheduler job "import-recover" (every minute), `flask --app run crm import-recover`,
and the import screens (the batch list and a batch's progress page check before showing).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Door, ImportBatch, ImportStatus
from app.models.actor import acting_as
from app.models.mixins import utcnow

log = logging.getLogger("crm.import")
RUNNING = (ImportStatus.QUEUED, ImportStatus.VALIDATING, ImportStatus.WRITING)
DEFAULT_STALE_MINUTES = 5
INTERRUPTED_MESSAGE = _l("This import stopped before it finished; nothing of it was kept. "
                         "You can import the file again.")


@dataclass
class Recovered:
    """Batches taken back, and those whose taking back failed (tried again next time)."""

    interrupted: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    counts: dict[int, dict] = field(default_factory=dict)  # batch id -> {"removed", "restored", "kept"}

    def __str__(self) -> str:
        text = f"{len(self.interrupted)} interrupted imports taken back"
        return text + (f", {len(self.failed)} could not be (retried later)" if self.failed else "")


def grace() -> dt.timedelta:
    minutes = float(current_app.config.get("CRM_IMPORT_STALE_MINUTES", DEFAULT_STALE_MINUTES))
    return dt.timedelta(minutes=minutes)


def _last_sign_of_life():
    return func.coalesce(ImportBatch.heartbeat_at, ImportBatch.started_at, ImportBatch.created_at)


def is_stale(batch: ImportBatch, now: dt.datetime | None = None, stale_after: dt.timedelta | None = None) -> bool:
    """Running, and silent for longer than the grace: its process is gone."""
    if batch.status not in RUNNING:
        return False
    last = batch.heartbeat_at or batch.started_at or batch.created_at
    return last is not None and last < (now or utcnow()) - (grace() if stale_after is None else stale_after)


def stale_ids(now: dt.datetime | None = None, stale_after: dt.timedelta | None = None) -> list[int]:
    """Running batches whose heartbeat is older than the grace (one indexed query, no writes)."""
    cutoff = (now or utcnow()) - (grace() if stale_after is None else stale_after)
    ids = list(db.session.scalars(select(ImportBatch.id).where(
        ImportBatch.status.in_(RUNNING), _last_sign_of_life() < cutoff).order_by(ImportBatch.id)))
    db.session.rollback()  # end the read: on SQLite each claim below must open its own write
    return ids


def recover(now: dt.datetime | None = None, stale_after: dt.timedelta | None = None) -> Recovered:
    """Take back every stale running batch; safe to run any time, from anywhere, any number of times."""
    now = now or utcnow()
    out = Recovered()
    for batch_id in stale_ids(now, stale_after):
        _recover_one(batch_id, now, stale_after, out)
    return out


def recover_if_stale(batch: ImportBatch) -> bool:
    """For a screen showing `batch`: take it back if its process is gone (no query when it is not)."""
    if not is_stale(batch):
        return False
    out = Recovered()
    _recover_one(batch.id, utcnow(), None, out)
    db.session.expire_all()
    return batch.id in out.interrupted


def recover_job() -> str:
    """The scheduler's "import-recover" job."""
    return str(recover())


def _recover_one(batch_id: int, now: dt.datetime, stale_after: dt.timedelta | None, out: Recovered) -> None:
    from .partial import discard

    cutoff = now - (grace() if stale_after is None else stale_after)
    session = db.session
    try:
        # the claim is this transaction's first statement: on SQLite it takes the write lock, on
        # PostgreSQL it locks the row (a slice committing meanwhile makes the heartbeat fresh, and
        # the UPDATE then matches nothing)
        claimed = session.execute(
            update(ImportBatch)
            .where(ImportBatch.id == batch_id, ImportBatch.status.in_(RUNNING), _last_sign_of_life() < cutoff)
            .values(status=ImportStatus.INTERRUPTED, finished_at=now, error=None, undo_until=None,
                    created=0, updated=0, skipped=0, duplicates=0)
            .execution_options(synchronize_session=False)).rowcount == 1
        if not claimed:
            session.rollback()
            return
        entity, user_id = session.execute(select(ImportBatch.entity, ImportBatch.created_by_id)
                                          .where(ImportBatch.id == batch_id)).one()
        note = str(_l("Import #%(id)s", id=batch_id))
        with acting_as(user_id, Door.IMPORT):
            counts = discard(session.connection(), batch_id, entity, note, user_id)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("import batch %s: its process is gone, and what it saved could not be taken back yet",
                      batch_id)
        out.failed.append(batch_id)
        return
    out.interrupted.append(batch_id)
    out.counts[batch_id] = counts
    log.warning("import batch %s stopped without finishing (no heartbeat since before %s): "
                "%s records removed, %s restored, %s kept", batch_id, cutoff.isoformat(timespec="seconds"),
                counts["removed"], counts["restored"], counts["kept"])
