"""Import 导入 of leads, accounts, contacts and opportunities from CSV or XLSX.

    reading   — encodings, XLSX safety, title rows       fields   — what each entity takes, header synonyms
    convert   — text cells → typed values, per column    pipeline — duplicates, bulk writes, history
    batches   — upload, mapping, background run, report  undo     — take a batch back

Doors: app/views/importing.py (wizard), app/api/transfer.py, `flask crm import`.
"""

from __future__ import annotations

from pathlib import Path

from app.extensions import db
from app.models import ImportBatch

from . import batches
from .fields import ENTITY_FIELDS, ENTITY_LABELS, propose_mapping
from .pipeline import POLICIES, Report

__all__ = ["ENTITY_FIELDS", "ENTITY_LABELS", "POLICIES", "Report", "batches", "import_file", "propose_mapping"]


def import_file(entity: str, stream, filename: str, user, on_duplicate: str = "skip", dry_run: bool = False,
                owner_id: int | None = None, mapping: dict | None = None) -> tuple[Report, ImportBatch | None]:
    """Upload, map automatically (or with `mapping`) and run to the end, in this thread.

    `user` imports (owner of new rows, scope for updates); without a user (the CLI) rows go to
    `owner_id`, or to the public pool. A dry run writes nothing and keeps no batch.
    """
    batch, _table = batches.start(entity, filename, stream, user, on_duplicate, owner_id=owner_id)
    if mapping:
        batches.set_mapping(batch, {**batch.mapping, **mapping})
    batch_id, path = batch.id, batch.stored_path
    try:
        report = batches.execute(batch_id, user.id if user is not None else None, default_owner_id=owner_id,
                                 dry_run=dry_run)
    finally:
        if dry_run:
            db.session.rollback()
            db.session.execute(db.delete(ImportBatch).where(ImportBatch.id == batch_id))
            db.session.commit()
            Path(path).unlink(missing_ok=True)
    return report, (None if dry_run else db.session.get(ImportBatch, batch_id))
