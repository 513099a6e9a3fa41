"""Behaviour shared by the CRM's records: audit stamps, ownership, soft delete, version counter.

Soft delete is enforced once, globally, by `install_soft_delete_filter`: every ORM SELECT hides
deleted rows unless it asks for them with `execution_options(include_deleted=True)`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    relationship,
    with_loader_criteria,
)

from .actor import current_user_id


def utcnow() -> dt.datetime:
    """Naive UTC, the form stored in every DateTime column."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class AuditMixin:
    """created/updated at and by. `by` may be NULL: the system actor (CLI, import, scheduler)."""

    @declared_attr
    def created_at(cls) -> Mapped[dt.datetime]:
        return mapped_column(DateTime, default=utcnow, nullable=False, index=True)

    @declared_attr
    def updated_at(cls) -> Mapped[dt.datetime]:
        return mapped_column(DateTime, default=utcnow, onupdate=utcnow, nullable=False, index=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(
            ForeignKey("ab_user.id", ondelete="SET NULL"), default=current_user_id, index=True
        )

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:
        return mapped_column(
            ForeignKey("ab_user.id", ondelete="SET NULL"),
            default=current_user_id,
            onupdate=current_user_id,
            index=True,
        )

    @declared_attr
    def created_by(cls):
        return relationship("CrmUser", foreign_keys=[cls.created_by_id], lazy="select")

    @declared_attr
    def updated_by(cls):
        return relationship("CrmUser", foreign_keys=[cls.updated_by_id], lazy="select")


class OwnedMixin:
    """The responsible user. NULL means the record sits in the public pool (公海)."""

    @declared_attr
    def owner_id(cls) -> Mapped[int | None]:
        # indexed together with deleted_at by each model (see owner_index): scope filters and
        # "my records" counts then read the index alone, without touching a million rows
        return mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))

    @declared_attr
    def owner(cls):
        return relationship("CrmUser", foreign_keys=[cls.owner_id], lazy="select")

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None


def owner_index(table: str) -> Index:
    return Index(f"ix_{table}_owner_deleted", "owner_id", "deleted_at")


class SoftDeleteMixin:
    """Deleted rows keep their data until purged; `deleted_at` marks them."""

    @declared_attr
    def deleted_at(cls) -> Mapped[dt.datetime | None]:
        return mapped_column(DateTime, index=True)

    @declared_attr
    def deleted_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class VersionedMixin:
    """Optimistic locking: SQLAlchemy refuses an UPDATE whose version moved on (StaleDataError)."""

    @declared_attr
    def version(cls) -> Mapped[int]:
        return mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}


class ExternalIdMixin:
    """The id another system (ERP, SCM, a spreadsheet) knows the record by; upserts match on it."""

    @declared_attr
    def external_id(cls) -> Mapped[str | None]:
        return mapped_column(String(64), unique=True, index=True)


class RecordMixin(AuditMixin, SoftDeleteMixin, VersionedMixin, ExternalIdMixin):
    """Everything a business record carries."""


class MatchKeysMixin:
    """Normalised copies of the fields duplicates are matched on (see app/services/normalise.py).

    Each model lists `MATCH_KEYS = {key column: (source column, normaliser name)}`; the keys are
    refreshed before every ORM insert and update, so lookups compare one indexed column.
    Bulk loaders that bypass the ORM call `match_keys(model, row)` themselves.
    """

    MATCH_KEYS: dict[str, tuple[str, str]] = {}


def match_keys(model, values: dict) -> dict:
    """The key columns for a row given as a dict of source values."""
    from app.services import normalise

    return {key: getattr(normalise, fn)(values.get(source)) for key, (source, fn) in model.MATCH_KEYS.items()}


@event.listens_for(MatchKeysMixin, "before_insert", propagate=True)
@event.listens_for(MatchKeysMixin, "before_update", propagate=True)
def _refresh_match_keys(_mapper, _connection, target) -> None:
    from app.services import normalise

    for key, (source, fn) in target.MATCH_KEYS.items():
        setattr(target, key, getattr(normalise, fn)(getattr(target, source)))


def _hide_deleted(state: ORMExecuteState) -> None:
    if (
        state.is_select
        and not state.is_column_load
        and not state.execution_options.get("include_deleted", False)
    ):
        state.statement = state.statement.options(
            with_loader_criteria(
                SoftDeleteMixin,
                lambda cls: cls.deleted_at.is_(None),
                include_aliases=True,
            )
        )


def install_soft_delete_filter(session_class=Session) -> None:
    """Hide soft-deleted rows from every ORM query, relationship load and count."""
    if not event.contains(session_class, "do_orm_execute", _hide_deleted):
        event.listen(session_class, "do_orm_execute", _hide_deleted)
