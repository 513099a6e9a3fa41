"""Import 导入 batches (with what each changed, for undo) and the export log 导出记录."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import LabelledEnum
from .mixins import utcnow


class ImportStatus(LabelledEnum):
    UPLOADED = "uploaded"  # file stored, mapping to confirm
    QUEUED = "queued"
    VALIDATING = "validating"
    WRITING = "writing"
    DONE = "done"
    FAILED = "failed"  # nothing was written
    UNDONE = "undone"
    INTERRUPTED = "interrupted"  # its process died mid-way; what it had saved was taken back

    @classmethod
    def _labels(cls):
        return {
            "uploaded": _l("Waiting for the mapping"),
            "queued": _l("Queued"),
            "validating": _l("Checking rows"),
            "writing": _l("Saving"),
            "done": _l("Finished"),
            "failed": _l("Failed, nothing was imported"),
            "undone": _l("Undone"),
            "interrupted": _l("Interrupted, nothing was imported"),
        }


class ImportBatch(Model):
    """One file imported by one person: its mapping, progress, counts and undo deadline."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(20), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_path: Mapped[str | None] = mapped_column(String(500))
    sheet: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ImportStatus.UPLOADED, index=True)
    on_duplicate: Mapped[str] = mapped_column(String(10), nullable=False, default="skip")
    # {"file column": "field" | "" (ignored) | "description" (kept in the description)}
    mapping: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    header_line: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    total_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    skipped: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    failed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)  # why a whole batch failed
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    undo_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # renewed with every committed slice: a running batch whose heartbeat is old lost its process
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    created_by = relationship("CrmUser")

    @property
    def status_label(self):
        return ImportStatus.label_of(self.status)


class ImportRecord(Model):
    """A record an import created or updated; updates keep the values before it, for undo."""

    __tablename__ = "import_record"
    __table_args__ = (Index("ix_import_record_batch", "batch_id", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(10), nullable=False)  # created | updated
    before: Mapped[dict | None] = mapped_column(JSON)


class ImportFailure(Model):
    """A row that was not imported: its line in the file, why (a message id), and its cells."""

    __tablename__ = "import_failure"
    __table_args__ = (Index("ix_import_failure_batch", "batch_id", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"), nullable=False)
    line: Mapped[int] = mapped_column(Integer, nullable=False)
    column: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(String(40), nullable=False)  # key in importing.messages
    detail: Mapped[str | None] = mapped_column(String(255))
    cells: Mapped[list] = mapped_column(JSON, nullable=False, default=list)


class ExportLog(Model):
    """Who exported what (entity, filter, format) and how many rows."""

    __tablename__ = "export_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(20), nullable=False)
    format: Mapped[str] = mapped_column(String(5), nullable=False)
    filters: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    row_count: Mapped[int | None] = mapped_column(Integer)
    door: Mapped[str] = mapped_column(String(10), nullable=False, default="ui")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)

    user = relationship("CrmUser")
