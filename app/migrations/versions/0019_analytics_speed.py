"""analytics summaries and indexes (issue 9)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-25 12:10:00

Summary tables for the two million-row tables the dashboards count (leads per local month,
activities per local due day), kept exact by triggers on SQLite, and covering indexes for the
opportunity / account / overdue-activity charts. On PostgreSQL the summary tables are created but
not maintained (no triggers); the charts then read the base tables.
"""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_lead_analytics_converted", "lead",
     ["converted_opportunity_id", "deleted_at", "created_at", "owner_id", "channel", "source_id", "status"]),
    ("ix_opportunity_analytics_won", "opportunity",
     ["stage_id", "currency", "deleted_at", "closed_at", "owner_id", "amount", "source_lead_id"]),
    ("ix_opportunity_analytics_open", "opportunity",
     ["stage_id", "currency", "deleted_at", "expected_close_date", "owner_id", "amount"]),
    ("ix_opportunity_analytics_created", "opportunity",
     ["currency", "deleted_at", "created_at", "owner_id", "amount", "stage_id"]),
    ("ix_account_analytics_industry", "account", ["industry", "deleted_at", "owner_id"]),
    ("ix_account_analytics_level", "account", ["level", "deleted_at", "owner_id"]),
    ("ix_account_analytics_province", "account", ["province", "deleted_at", "owner_id"]),
    ("ix_account_analytics_source", "account", ["source_id", "deleted_at", "owner_id"]),
    ("ix_account_analytics_created", "account", ["deleted_at", "created_at", "owner_id"]),
    ("ix_account_analytics_followup", "account", ["owner_id", "deleted_at", "last_followup_at"]),
    ("ix_activity_analytics_open", "activity", ["deleted_at", "done_at", "due_at", "owner_id"]),
)

# a missing state row must not stop writes: the charts then ignore the summaries (no offset)
SHIFT = "coalesce((SELECT shift FROM analytics_rollup_state WHERE id = 1), '+0 minutes')"
LEAD_KEY = ("date({r}.created_at, " + SHIFT + ", 'start of month'), coalesce({r}.owner_id, 0), {r}.channel,"
            " coalesce({r}.source_id, 0), {r}.status, {r}.converted_opportunity_id IS NOT NULL")
LEAD_COLS = "month, owner_id, channel, source_id, status, has_opportunity"
ACTIVITY_KEY = ("coalesce(date({r}.due_at, " + SHIFT + "), '0001-01-01'), coalesce({r}.owner_id, 0), {r}.type,"
                " {r}.done_at IS NOT NULL")
ACTIVITY_COLS = "day, owner_id, type, done"
WATCHED = {"lead": "created_at, owner_id, channel, source_id, status, converted_opportunity_id, deleted_at",
           "activity": "due_at, owner_id, type, done_at, deleted_at"}
SUMMARY = {"lead": ("analytics_lead_month", LEAD_KEY, LEAD_COLS),
           "activity": ("analytics_activity_day", ACTIVITY_KEY, ACTIVITY_COLS)}


def _triggers(table: str) -> list[str]:
    summary, key, cols = SUMMARY[table]
    names = cols.split(", ")
    where_old = " AND ".join(f"{c} = ({v})" for c, v in zip(names, _split(key.format(r="OLD")), strict=True))
    add = (f"INSERT INTO {summary} ({cols}, n) SELECT {key.format(r='NEW')}, 1 WHERE NEW.deleted_at IS NULL"
           f" ON CONFLICT ({cols}) DO UPDATE SET n = n + 1;")
    remove = f"UPDATE {summary} SET n = n - 1 WHERE OLD.deleted_at IS NULL AND {where_old};"
    return [
        f"CREATE TRIGGER {summary}_ai AFTER INSERT ON {table} BEGIN {add} END",
        f"CREATE TRIGGER {summary}_ad AFTER DELETE ON {table} BEGIN {remove} END",
        f"CREATE TRIGGER {summary}_au AFTER UPDATE OF {WATCHED[table]} ON {table} BEGIN {remove} {add} END",
    ]


def _split(key: str) -> list[str]:
    """The key's expressions, split on top-level commas."""
    parts, depth, current = [], 0, ""
    for ch in key:
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    return parts + [current.strip()]


def _ordinals(cols: str) -> str:
    return ", ".join(str(i + 1) for i in range(len(cols.split(", "))))


def _offset_minutes() -> int:
    name = "Asia/Shanghai"
    try:
        from flask import current_app

        name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") or name
    except RuntimeError:
        pass
    return int(dt.datetime.now(ZoneInfo(name)).utcoffset().total_seconds() // 60)


def upgrade():
    op.create_table(
        "analytics_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.Column("shift", sa.String(length=20), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "analytics_lead_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("has_opportunity", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "owner_id", "channel", "source_id", "status", "has_opportunity"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "analytics_activity_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "owner_id", "type", "done"),
        sqlite_with_rowid=False,
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    offset = _offset_minutes()
    shift = f"{offset:+d} minutes"
    bind.execute(sa.text("INSERT INTO analytics_rollup_state (id, offset_minutes, shift, built_at)"
                         " VALUES (1, :o, :s, CURRENT_TIMESTAMP)"), {"o": offset, "s": shift})
    for table, (summary, key, cols) in SUMMARY.items():
        bind.execute(sa.text(f"INSERT INTO {summary} ({cols}, n) SELECT {key.format(r=table)}, count(*)"
                             f" FROM {table} WHERE deleted_at IS NULL GROUP BY {_ordinals(cols)}"
                             .replace(SHIFT, ":s")), {"s": shift})
        for statement in _triggers(table):
            bind.exec_driver_sql(statement)
    for name in ("analytics_lead_month", "analytics_activity_day", "lead", "opportunity", "account", "activity"):
        bind.exec_driver_sql(f"ANALYZE {name}")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for summary in ("analytics_lead_month", "analytics_activity_day"):
            for suffix in ("ai", "ad", "au"):
                bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {summary}_{suffix}")
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("analytics_activity_day")
    op.drop_table("analytics_lead_month")
    op.drop_table("analytics_rollup_state")
