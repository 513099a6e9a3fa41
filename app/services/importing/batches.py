"""Import batches: upload → mapping → run (in the background or inline) → report → undo.

Progress lives in the database (`import_batch.processed_rows`, committed with each slice of rows)
so any worker can report it; while a chunk is being checked it also goes to a small file next to
the upload (same machine, every worker reads it). Each slice also renews the batch's heartbeat
(`heartbeat_at`): a running batch that stops beating lost its process, and `recovery` takes back
what it had saved.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import logging
import os
import threading
import uuid
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.extensions import db
from app.models import CrmUser, Door, ImportBatch, ImportFailure, ImportStatus
from app.models.actor import acting_as
from app.models.mixins import utcnow
from app.services.errors import CrmError, NotFound, ValidationFailed

from . import pipeline
from .convert import Context
from .fields import ENTITY_FIELDS, IGNORE, KEEP, MODELS, fields_of, propose_mapping
from .messages import reason_text
from .reading import Limits, Table, open_table

log = logging.getLogger("crm.import")
RUNNING = (ImportStatus.QUEUED, ImportStatus.VALIDATING, ImportStatus.WRITING)


def limits() -> Limits:
    config = current_app.config
    return Limits(max_bytes=int(config.get("CRM_IMPORT_MAX_MB", 200)) * 1024 * 1024,
                  max_rows=int(config.get("CRM_IMPORT_MAX_ROWS", 2_000_000)),
                  max_unzipped_bytes=int(config.get("CRM_IMPORT_MAX_UNZIPPED_MB", 1024)) * 1024 * 1024)


def upload_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def may_assign(user) -> bool:
    """Managers (分配 permission) may give imported records to people within their scope."""
    if user is None:
        return True
    for role in user.roles:
        if role.name == "Admin":
            return True
        for pv in role.permissions:
            if pv.permission.name == "can_assign" and pv.view_menu.name == "PoolView":
                return True
    return False


def check_entity(entity: str) -> None:
    if entity not in ENTITY_FIELDS:
        raise ValidationFailed(_l("Records of this type cannot be imported."))


def start(entity: str, filename: str, stream, user, on_duplicate: str = "skip", sheet: str | None = None,
          owner_id: int | None = None) -> tuple[ImportBatch, Table]:
    """Store an uploaded file and open it; the batch waits for its mapping to be confirmed."""
    check_entity(entity)
    if on_duplicate not in pipeline.POLICIES:
        raise ValidationFailed(_l("Choose what to do with duplicates: skip, update or create."))
    name = Path(filename or "upload").name[:200] or "upload"
    path = upload_dir() / f"{uuid.uuid4().hex}{Path(name).suffix.lower()[:8]}"
    _save_stream(stream, path)
    try:
        table = open_table(path, name, entity, limits(), sheet)
    except Exception:
        path.unlink(missing_ok=True)
        raise
    batch = ImportBatch(entity=entity, filename=name, stored_path=str(path), sheet=table.sheet,
                        status=ImportStatus.UPLOADED, on_duplicate=on_duplicate,
                        mapping=propose_mapping(entity, table.headers), header_line=table.header_line,
                        total_rows=table.estimated_rows, created_by_id=user.id if user else owner_id)
    db.session.add(batch)
    db.session.commit()
    return batch, table


def _save_stream(stream, path: Path) -> None:
    maximum = limits().max_bytes
    written = 0
    with open(path, "wb") as out:
        while block := stream.read(1 << 20):
            written += len(block)
            if written > maximum:
                out.close()
                path.unlink(missing_ok=True)
                raise ValidationFailed(_l("The file is larger than %(limit)s MB, the largest accepted.",
                                          limit=maximum // 1024 // 1024))
            out.write(block)


def get(batch_id: int, user) -> ImportBatch:
    """A batch its importer (or an admin) may see; anyone else gets 404."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or (user is not None and batch.created_by_id != user.id
                         and not any(r.name == "Admin" for r in user.roles)):
        raise NotFound(_l("Not found."))
    return batch


def table_of(batch: ImportBatch) -> Table:
    if not batch.stored_path or not Path(batch.stored_path).exists():
        raise CrmError(_l("The uploaded file is no longer available; upload it again."))
    return open_table(Path(batch.stored_path), batch.filename, batch.entity, limits(), batch.sheet)


def set_mapping(batch: ImportBatch, mapping: dict[str, str], on_duplicate: str | None = None) -> None:
    valid = set(fields_of(batch.entity)) | {IGNORE, KEEP}  # with custom fields
    table = table_of(batch)
    clean, used = {}, set()
    for header in table.headers:
        target = mapping.get(header, IGNORE) or IGNORE
        if target not in valid:
            raise ValidationFailed(_l("Unknown field for column %(column)s.", column=header))
        if target not in (IGNORE, KEEP):
            if target in used:
                raise ValidationFailed(_l("Two columns are mapped to the same field; map each field once."))
            used.add(target)
        clean[header] = target
    if not used:
        raise ValidationFailed(_l("Map at least one column to a field."))
    batch.mapping = clean
    if on_duplicate in pipeline.POLICIES:
        batch.on_duplicate = on_duplicate
    db.session.commit()


def _context(batch: ImportBatch, user, default_owner_id) -> Context:
    return Context.build(batch.entity, user, may_assign(user), default_owner_id)


def preview(batch: ImportBatch, user, rows: int = 20) -> list[dict]:
    """The first rows as they would be imported, each cell with its problem (if any)."""
    table = table_of(batch)
    ctx = _context(batch, user, user.id if user else None)
    job = pipeline.Job(table, batch.mapping, ctx, on_duplicate=batch.on_duplicate, dry_run=True)
    first = next(table.chunks(rows, limit=rows), None)
    if first is None:
        return []
    from .convert import convert

    converted = convert(first, table.headers, batch.mapping, ctx)
    model = MODELS[batch.entity]
    values = converted.values[~converted.failed].copy()
    pipeline.fill_match_keys(model, values)
    keys = pipeline.dedup_keys(batch.entity)  # the same rule as the real run, custom fields included
    duplicate, existing, _ext = pipeline.find_duplicates(model, keys, values, {k: set() for k in keys})
    problems: dict[tuple[int, str], str] = {}
    for line, header, reason, detail in converted.errors:
        problems.setdefault((line, header), reason_text(reason, detail, header))
    out = []
    for idx, row in first.iterrows():
        line = int(row["_line"])
        cells = [{"text": row[i], "error": problems.get((line, h))} for i, h in enumerate(table.headers)]
        row_error = problems.get((line, ""))
        if converted.failed[idx]:
            state = "error"
        elif duplicate.get(idx, False) or existing.notna().get(idx, False):
            state = "duplicate"
        else:
            state = "ok"
        out.append({"line": line, "cells": cells, "state": state, "error": row_error})
    del job
    return out


# -- running ---------------------------------------------------------------------------------
def run_in_background(batch: ImportBatch, user_id: int | None) -> None:
    """Queue the batch and run it in a thread of this process (the page polls its progress)."""
    batch.status = ImportStatus.QUEUED
    batch.processed_rows = 0
    batch.heartbeat_at = utcnow()
    db.session.commit()
    app = current_app._get_current_object()
    thread = threading.Thread(target=_thread_main, args=(app, batch.id, user_id), daemon=True,
                              name=f"import-{batch.id}")
    thread.start()
    return thread


def _thread_main(app, batch_id: int, user_id: int | None) -> None:
    with app.app_context():
        try:
            execute(batch_id, user_id)
        except Exception:  # already recorded on the batch by execute()
            log.exception("import batch %s failed", batch_id)
        finally:
            db.session.remove()


def execute(batch_id: int, user_id: int | None, default_owner_id: int | None = None,
            dry_run: bool = False) -> pipeline.Report:
    """Run a batch to the end; on any failure nothing of it stays written.

    The rows are written through a connection of their own and committed every
    CRM_IMPORT_COMMIT_ROWS rows (5,000), with the batch's progress, so SQLite's write lock is held
    for a slice at a time and other people can save while a big file imports. If a slice fails, it
    is rolled back and `partial.discard` takes back the slices already committed. If the process
    dies instead, the batch's heartbeat stops and `recovery.recover` does the same later.
    """
    batch = db.session.get(ImportBatch, batch_id)
    user = db.session.get(CrmUser, user_id) if user_id is not None else None
    owner = user.id if user is not None else default_owner_id
    batch.status, batch.started_at, batch.error = ImportStatus.VALIDATING, utcnow(), None
    batch.heartbeat_at = batch.started_at
    db.session.commit()
    entity, mapping, policy = batch.entity, dict(batch.mapping), batch.on_duplicate
    note = str(_l("Import #%(id)s", id=batch_id))
    conn = db.engine.connect()
    sqlite = conn.dialect.name == "sqlite"
    try:
        table = table_of(batch)
        ctx = _context(batch, user, owner)
        if sqlite:  # index pages of a million-row table stay in memory (this connection only)
            conn.exec_driver_sql("PRAGMA cache_size = -262144")
        with acting_as(user_id, Door.IMPORT):
            job = pipeline.Job(table, mapping, ctx, on_duplicate=policy, dry_run=dry_run,
                               batch_id=None if dry_run else batch_id, note=note,
                               progress=lambda n: _report_progress(batch_id, n, beat=dry_run), conn=conn,
                               commit=None if dry_run else (lambda n: _commit_slice(conn, batch_id, n)),
                               commit_rows=int(current_app.config.get("CRM_IMPORT_COMMIT_ROWS", pipeline.COMMIT_ROWS)))
            report = pipeline.run(job)
            conn.rollback() if dry_run else conn.commit()
            db.session.expire_all()  # the batch row moved on through the import's connection
            _finish(db.session.get(ImportBatch, batch_id), report, dry_run)
            db.session.commit()
    except Exception as exc:
        conn.rollback()
        db.session.rollback()
        cleaned = dry_run or _discard(conn, batch_id, entity, note, user_id)
        _mark_failed(batch_id, exc, cleaned)
        raise
    finally:
        _clear_progress(batch_id)
        with contextlib.suppress(Exception):
            if sqlite:
                conn.exec_driver_sql("PRAGMA cache_size = -2000")  # SQLite's default, for the pool
        conn.close()
    if entity and not dry_run:
        log.info("import %s: %s %s rows, %s created, %s updated", batch_id, entity, report.rows,
                 report.created, report.updated)
    return report


def _commit_slice(conn, batch_id: int, processed: int) -> None:
    """End one slice of writes: its rows, its undo records, the batch's progress and heartbeat, together.

    Only while the batch is still running: one that was declared interrupted meanwhile (this
    process stalled past the grace and `recovery` took back its slices) keeps nothing more.
    """
    beating = conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.status.in_(RUNNING))
                           .values(processed_rows=processed, status=ImportStatus.WRITING,
                                   heartbeat_at=utcnow())).rowcount
    if beating != 1:
        from .recovery import INTERRUPTED_MESSAGE

        raise CrmError(INTERRUPTED_MESSAGE)
    conn.commit()


def _discard(conn, batch_id: int, entity: str, note: str, user_id: int | None) -> bool:
    """Take back the committed slices of a failed import; False if even that failed."""
    from .partial import discard

    try:
        with acting_as(user_id, Door.IMPORT):
            discard(conn, batch_id, entity, note, user_id)
            conn.commit()
        return True
    except Exception:
        conn.rollback()
        log.exception("import batch %s: the rows already saved could not be taken back", batch_id)
        return False


def _finish(batch: ImportBatch, report: pipeline.Report, dry_run: bool) -> None:
    if batch.status == ImportStatus.INTERRUPTED:  # taken back while its last slice was being written
        from .recovery import INTERRUPTED_MESSAGE

        raise CrmError(INTERRUPTED_MESSAGE)
    hours = float(current_app.config.get("CRM_IMPORT_UNDO_HOURS", 24))
    batch.status = ImportStatus.DONE
    batch.total_rows = batch.processed_rows = report.rows
    batch.created, batch.updated, batch.skipped = report.created, report.updated, report.skipped
    batch.duplicates, batch.failed = report.duplicates, report.failed
    batch.finished_at = utcnow()
    batch.undo_until = None if dry_run else batch.finished_at + dt.timedelta(hours=hours)
    if dry_run:
        batch.status = ImportStatus.UPLOADED


def _mark_failed(batch_id: int, exc: Exception, cleaned: bool = True) -> None:
    if not cleaned:
        message = _l("The import stopped on an error, and some rows it had already saved could not be "
                     "removed again; ask an administrator to check import #%(id)s.", id=batch_id)
    elif isinstance(exc, CrmError):
        message = exc.message
    else:
        message = _l("The import stopped on an unexpected error; nothing was imported.")
    db.session.execute(update(ImportBatch).where(  # an interrupted batch keeps its own state
        ImportBatch.id == batch_id, ImportBatch.status != ImportStatus.INTERRUPTED).values(
        status=ImportStatus.FAILED, error=str(message)[:2000], finished_at=utcnow(),
        created=0, updated=0, skipped=0, duplicates=0))
    db.session.commit()


def _progress_file(batch_id: int) -> Path:
    return upload_dir() / f"batch-{batch_id}.progress"


def _report_progress(batch_id: int, processed: int, beat: bool = False) -> None:
    if beat:  # a dry run commits no slices; its heartbeat goes with each checked chunk instead
        db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.status.in_(RUNNING))
                           .values(heartbeat_at=utcnow()).execution_options(synchronize_session=False))
        db.session.commit()
    try:
        path = _progress_file(batch_id)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"processed": processed}))
        os.replace(tmp, path)
    except OSError:
        pass


def _clear_progress(batch_id: int) -> None:
    _progress_file(batch_id).unlink(missing_ok=True)


def status(batch: ImportBatch) -> dict:
    """What the progress bar shows; read from the database (plus the progress file on SQLite)."""
    processed = batch.processed_rows
    if batch.status in RUNNING:
        with contextlib.suppress(OSError, ValueError, KeyError):
            processed = max(processed, json.loads(_progress_file(batch.id).read_text())["processed"])
    total = max(batch.total_rows, processed, 1)
    return {"id": batch.id, "status": batch.status, "status_label": str(batch.status_label),
            "processed": processed, "total": batch.total_rows,
            "percent": 100 if batch.status == ImportStatus.DONE else min(99, int(processed * 100 / total)),
            "done": batch.status not in RUNNING and batch.status != ImportStatus.UPLOADED,
            "created": batch.created, "updated": batch.updated, "skipped": batch.skipped,
            "duplicates": batch.duplicates, "failed": batch.failed, "error": batch.error or _interrupted(batch)}


def _interrupted(batch: ImportBatch) -> str | None:
    if batch.status != ImportStatus.INTERRUPTED:
        return None
    from .recovery import INTERRUPTED_MESSAGE

    return str(INTERRUPTED_MESSAGE)


# -- after the import --------------------------------------------------------------------------
def failed_rows_csv(batch: ImportBatch) -> str:
    """The refused rows with the file's header and a reason column, in the reader's language."""
    table_headers = list(batch.mapping)
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    writer = csv.writer(out)
    writer.writerow([str(_l("Line")), *table_headers, str(_l("Reason"))])
    rows = db.session.scalars(select(ImportFailure).where(ImportFailure.batch_id == batch.id)
                              .order_by(ImportFailure.line))
    for failure in rows:
        reason = reason_text(failure.reason, failure.detail, failure.column or "")
        if failure.column:
            reason = f"{failure.column}: {reason}"
        writer.writerow([failure.line, *[_safe_cell(c) for c in failure.cells], reason])
    return out.getvalue()


def _safe_cell(value) -> str:
    from app.services.export import neutralise

    return neutralise(value)


def undo(batch: ImportBatch, user) -> dict:
    from .undo import undo_batch

    return undo_batch(batch, user)


def can_undo(batch: ImportBatch) -> bool:
    return (batch.status == ImportStatus.DONE and batch.undo_until is not None
            and utcnow() <= batch.undo_until and (batch.created or batch.updated) > 0)
