"""analytics summaries maintained on PostgreSQL (issue 9)

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-25 15:50:00

Migration 0019 keeps `analytics_lead_month` / `analytics_activity_day` exact with SQLite row
triggers. This revision does the same on PostgreSQL with STATEMENT-level plpgsql triggers over
transition tables: each INSERT / UPDATE / DELETE / COPY statement on `lead` or `activity` adds
one aggregated delta per summary key, so a bulk load or a set-based update costs one GROUP BY,
not one upsert per row. Increments are `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`
(row-locked: two transactions adding to the same key both count); decrements are
`UPDATE … SET n = n - k` (like SQLite, a key that is not there is left alone). Keys are upserted
in key order so concurrent writers lock summary rows in the same order.

Setting `crm.analytics_rollup = 'off'` in a session (SET LOCAL) skips the triggers: bulk copies
that bring their own summary rows (crm migrate-db) or rebuild afterwards use it.
Nothing changes on SQLite.
"""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

SHIFT = "make_interval(mins => {m})"
LEAD_KEY = ("date_trunc('month', r.created_at + " + SHIFT + ")::date, coalesce(r.owner_id, 0), r.channel,"
            " coalesce(r.source_id, 0), r.status, r.converted_opportunity_id IS NOT NULL")
ACTIVITY_KEY = ("coalesce((r.due_at + " + SHIFT + ")::date, DATE '0001-01-01'), coalesce(r.owner_id, 0),"
                " r.type, r.done_at IS NOT NULL")
SUMMARY = {"lead": ("analytics_lead_month", LEAD_KEY, "month, owner_id, channel, source_id, status, has_opportunity"),
           "activity": ("analytics_activity_day", ACTIVITY_KEY, "day, owner_id, type, done")}


def _function(table: str) -> str:
    summary, key, cols = SUMMARY[table]
    key = key.format(m="minutes")
    names = cols.split(", ")
    ordinals = ", ".join(str(i + 1) for i in range(len(names)))
    delta = (f"SELECT {cols}, sum(d) AS d FROM ("
             f"SELECT {key}, 1 AS d FROM new_rows r WHERE r.deleted_at IS NULL"
             f" UNION ALL SELECT {key}, -1 FROM old_rows r WHERE r.deleted_at IS NULL) x ({cols}, d)"
             f" GROUP BY {ordinals} HAVING sum(d) <> 0")
    only_new = f"SELECT {key}, count(*) FROM new_rows r WHERE r.deleted_at IS NULL GROUP BY {ordinals}"
    only_old = f"SELECT {key}, -count(*) FROM old_rows r WHERE r.deleted_at IS NULL GROUP BY {ordinals}"
    match = " AND ".join(f"s.{c} = c.{c}" for c in names)

    def apply(source: str) -> str:
        # one aggregate of the transition table(s); decrements first, then increments in key order
        return (f"WITH c ({cols}, d) AS MATERIALIZED ({source}),"
                f" down AS (UPDATE {summary} s SET n = s.n + c.d FROM c WHERE c.d < 0 AND {match})"
                f" INSERT INTO {summary} AS s ({cols}, n) SELECT {cols}, d FROM c WHERE d > 0"
                f" ORDER BY {ordinals} ON CONFLICT ({cols}) DO UPDATE SET n = s.n + excluded.n;")

    return f"""
CREATE OR REPLACE FUNCTION {summary}_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  minutes integer;
BEGIN
  IF coalesce(current_setting('crm.analytics_rollup', true), '') = 'off' THEN
    RETURN NULL;
  END IF;
  SELECT offset_minutes INTO minutes FROM analytics_rollup_state WHERE id = 1;
  minutes := coalesce(minutes, 0);
  IF TG_OP = 'INSERT' THEN
    {apply(only_new)}
  ELSIF TG_OP = 'DELETE' THEN
    {apply(only_old)}
  ELSE
    {apply(delta)}
  END IF;
  RETURN NULL;
END
$$"""


def _triggers(table: str) -> list[str]:
    summary = SUMMARY[table][0]
    run = f"FOR EACH STATEMENT EXECUTE FUNCTION {summary}_sync()"
    return [
        f"CREATE TRIGGER {summary}_ai AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows {run}",
        f"CREATE TRIGGER {summary}_au AFTER UPDATE ON {table}"
        f" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows {run}",
        f"CREATE TRIGGER {summary}_ad AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows {run}",
    ]


def _offset_minutes() -> int:
    name = "Asia/Shanghai"
    try:
        from flask import current_app

        name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") or name
    except RuntimeError:
        pass
    return int(dt.datetime.now(ZoneInfo(name)).utcoffset().total_seconds() // 60)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    offset = _offset_minutes()
    bind.execute(sa.text("DELETE FROM analytics_rollup_state"))
    bind.execute(sa.text("INSERT INTO analytics_rollup_state (id, offset_minutes, shift, built_at)"
                         " VALUES (1, :o, :s, now() AT TIME ZONE 'UTC')"), {"o": offset, "s": f"{offset:+d} minutes"})
    for table, (summary, key, cols) in SUMMARY.items():
        ordinals = ", ".join(str(i + 1) for i in range(len(cols.split(", "))))
        bind.execute(sa.text(f"DELETE FROM {summary}"))
        bind.execute(sa.text(f"INSERT INTO {summary} ({cols}, n) SELECT {key.format(m=':m')}, count(*)"
                             f" FROM {table} r WHERE r.deleted_at IS NULL GROUP BY {ordinals}"), {"m": offset})
        bind.exec_driver_sql(_function(table))
        for statement in _triggers(table):
            bind.exec_driver_sql(statement)
        bind.exec_driver_sql(f"ANALYZE {summary}")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, (summary, _key, _cols) in SUMMARY.items():
        for suffix in ("ai", "au", "ad"):
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {summary}_{suffix} ON {table}")
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {summary}_sync()")
        bind.execute(sa.text(f"DELETE FROM {summary}"))
    bind.execute(sa.text("DELETE FROM analytics_rollup_state"))
