"""Analytics summary tables 汇总表: lead and activity counts per local month/day, owner and dimensions.

Maintained by database triggers (migration 0019) in the same transaction as every write to
`lead` / `activity` — ORM, set-based, import, demo loader alike — so they are always exact.
Keys use 0 for "none" (no owner = public pool, no source) because a primary key cannot hold NULL.
`app/services/analytics/rollup.py` answers charts from them and checks them against the plain
aggregate. SQLite row triggers (migration 0019) and PostgreSQL statement triggers (0025) keep them.
"""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from sqlalchemy import Boolean, Date, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class RollupState(Model):
    """One row: the fixed UTC offset the rollups' local day/month was computed with."""

    __tablename__ = "analytics_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    offset_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    shift: Mapped[str] = mapped_column(String(20), nullable=False)  # SQLite date modifier, "+480 minutes"
    built_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class LeadMonth(Model):
    """Live leads per local month of creation × owner × channel × source × status × converted."""

    __tablename__ = "analytics_lead_month"
    __table_args__ = {"sqlite_with_rowid": False}

    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 = public pool
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    source_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 = no source
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    has_opportunity: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ActivityDay(Model):
    """Live activities per local due day × owner × type × done (undated: day 0001-01-01)."""

    __tablename__ = "analytics_activity_day"
    __table_args__ = {"sqlite_with_rowid": False}

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 = no owner
    type: Mapped[str] = mapped_column(String(20), primary_key=True)
    done: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


# Covering indexes of the charts that read the base tables (same list as migration 0019); each
# model adds `*analytics_indexes("<table>")` to its __table_args__.
_INDEXES = {
    "lead": (("ix_lead_analytics_converted", "converted_opportunity_id", "deleted_at", "created_at", "owner_id",
              "channel", "source_id", "status"),),
    "opportunity": (
        ("ix_opportunity_analytics_won", "stage_id", "currency", "deleted_at", "closed_at", "owner_id", "amount",
         "source_lead_id"),
        ("ix_opportunity_analytics_open", "stage_id", "currency", "deleted_at", "expected_close_date", "owner_id",
         "amount"),
        ("ix_opportunity_analytics_created", "currency", "deleted_at", "created_at", "owner_id", "amount",
         "stage_id"),
    ),
    "account": tuple((f"ix_account_analytics_{name}", column, "deleted_at", "owner_id")
                     for name, column in (("industry", "industry"), ("level", "level"),
                                          ("province", "province"), ("source", "source_id")))
    + (("ix_account_analytics_created", "deleted_at", "created_at", "owner_id"),
       ("ix_account_analytics_followup", "owner_id", "deleted_at", "last_followup_at")),
    "activity": (("ix_activity_analytics_open", "deleted_at", "done_at", "due_at", "owner_id"),),
}


def analytics_indexes(table: str) -> tuple[Index, ...]:
    return tuple(Index(name, *columns) for name, *columns in _INDEXES[table])


class BulkWrite(Model):
    """A table whose per-row derived-data triggers stand aside, within one transaction.

    A bulk writer (the import) inserts its table's name, writes its rows, computes their search pieces
    and summary counts in a few set-based statements, and deletes the row before it commits. No other
    connection ever sees the row (SQLite has one writer; it is never committed), so every other write
    keeps its triggers. Migration 0030 adds the `WHEN NOT EXISTS` to the insert triggers of `lead`."""

    __tablename__ = "bulk_write"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
