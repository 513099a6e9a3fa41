"""History 操作记录: one row per change of an audited record — who, when, through which door, what."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import LabelledEnum
from .mixins import utcnow


class HistoryAction(LabelledEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RESTORE = "restore"
    OWNER_CHANGE = "owner_change"
    CLAIM = "claim"
    RELEASE = "release"
    ASSIGN = "assign"
    RECLAIM = "reclaim"
    HANDOVER = "handover"
    MERGE = "merge"
    CONVERT = "convert"
    IMPORT = "import"

    @classmethod
    def _labels(cls):
        return {
            "create": _l("Created"),
            "update": _l("Changed"),
            "delete": _l("Deleted"),
            "restore": _l("Restored"),
            "owner_change": _l("Owner changed"),
            "claim": _l("Claimed from the pool"),
            "release": _l("Returned to the pool"),
            "assign": _l("Assigned"),
            "reclaim": _l("Reclaimed to the pool automatically"),
            "handover": _l("Handed over"),
            "merge": _l("Merged"),
            "convert": _l("Converted"),
            "import": _l("Imported"),
        }


class Door(LabelledEnum):
    UI = "ui"
    API = "api"
    IMPORT = "import"
    BULK = "bulk"
    SYSTEM = "system"

    @classmethod
    def _labels(cls):
        return {
            "ui": _l("Screen"),
            "api": _l("API"),
            "import": _l("Import"),
            "bulk": _l("Bulk action"),
            "system": _l("System"),
        }


class History(Model):
    """Append-only. No screen or API may edit or delete it (see app.views.history)."""

    __tablename__ = "history"
    __table_args__ = (Index("ix_history_record", "entity", "record_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(30), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    door: Mapped[str] = mapped_column(String(10), nullable=False, default=Door.SYSTEM, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    # {"field": [old, new]} for changes; the full first values for a creation
    changes: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    note: Mapped[str | None] = mapped_column(String(500))

    actor = relationship("CrmUser")

    @property
    def action_label(self):
        return HistoryAction.label_of(self.action)

    @property
    def door_label(self):
        return Door.label_of(self.door)
