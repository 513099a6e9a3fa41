"""cheaper search-piece triggers (issues 7 and 12)

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-25 16:10:00

Migration 0022's SQLite triggers wrote a name's two-character pieces with a fixed chain of 199 substr()
calls per column: ~85 µs of CPU for every lead written, which capped imports and demo loads. The same
pieces come from a recursive count up to the name's own length (~12 µs). Same tokens, same order, so
the FTS tables stay as they are. On PostgreSQL nothing changes (GIN indexes, no triggers).

Later migrations that rebuild one of these tables on SQLite must call `create_sqlite_triggers` from here.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

NAMES = {
    "lead": ("person_name", "company_name"),
    "account": ("name",),
    "contact": ("name",),
    "opportunity": ("name",),
}
MAX_CHARS = 200


def _pieces_sql(ref: str) -> str:
    return (f"(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < min(length({ref}), "
            f"{MAX_CHARS - 1})) SELECT coalesce(group_concat(substr({ref}, i, 2), ' '), '') FROM n)")


def _fixed_pieces_sql(ref: str) -> str:  # 0022's form, for downgrade
    return " || ' ' || ".join(f"coalesce(substr({ref}, {i}, 2), '')" for i in range(1, MAX_CHARS))


def create_sqlite_triggers(table: str, pieces=_pieces_sql) -> None:
    columns = NAMES[table]
    search = f"{table}_search"
    names = ", ".join(columns)

    def values(row):
        return ", ".join(pieces(f"{row}.{c}") for c in columns)

    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)
    op.execute(f"CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table} BEGIN "
               f"INSERT INTO {search}(rowid, {names}) VALUES (new.id, {values('new')}); END")
    op.execute(f"CREATE TRIGGER {table}_search_update AFTER UPDATE ON {table} WHEN {changed} BEGIN "
               f"DELETE FROM {search} WHERE rowid = old.id; "
               f"INSERT INTO {search}(rowid, {names}) VALUES (new.id, {values('new')}); END")
    op.execute(f"CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table} BEGIN "
               f"DELETE FROM {search} WHERE rowid = old.id; END")


def _replace(pieces) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in NAMES:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_search_{event}")
        create_sqlite_triggers(table, pieces)


def upgrade():
    _replace(_pieces_sql)


def downgrade():
    _replace(_fixed_pieces_sql)
