"""name-fragment search: FTS5 tables with triggers on SQLite, GIN indexes on PostgreSQL

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-25 12:10:00

See app/models/search_index.py for the idea. The columns and the piece length are spelt out here,
not imported, so this migration keeps meaning what it meant when it was written.

On SQLite a table rebuilt by a later batch migration (copy, drop, rename) loses its triggers:
such a migration must call `create_sqlite_triggers` again for that table.
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
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
    # "范晓燕" -> "范晓 晓燕 燕  …": every two-character piece, space separated, for the unicode61 tokenizer
    return " || ' ' || ".join(f"coalesce(substr({ref}, {i}, 2), '')" for i in range(1, MAX_CHARS))


def create_sqlite_triggers(table: str) -> None:
    columns = NAMES[table]
    search = f"{table}_search"
    names = ", ".join(columns)

    def values(row):
        return ", ".join(_pieces_sql(f"{row}.{c}") for c in columns)

    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)
    op.execute(f"CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table} BEGIN "
               f"INSERT INTO {search}(rowid, {names}) VALUES (new.id, {values('new')}); END")
    op.execute(f"CREATE TRIGGER {table}_search_update AFTER UPDATE ON {table} WHEN {changed} BEGIN "
               f"DELETE FROM {search} WHERE rowid = old.id; "
               f"INSERT INTO {search}(rowid, {names}) VALUES (new.id, {values('new')}); END")
    op.execute(f"CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table} BEGIN "
               f"DELETE FROM {search} WHERE rowid = old.id; END")


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        for table, columns in NAMES.items():
            search = f"{table}_search"
            op.execute(f"CREATE VIRTUAL TABLE {search} USING fts5({', '.join(columns)}, tokenize='unicode61')")
            pieces = ", ".join(_pieces_sql(c) for c in columns)
            op.execute(f"INSERT INTO {search}(rowid, {', '.join(columns)}) SELECT id, {pieces} FROM {table}")
            create_sqlite_triggers(table)
    else:
        op.execute(
            "CREATE FUNCTION crm_grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
            "SELECT coalesce(array_agg(DISTINCT substr(lower(t), i, 2)), '{}') "
            "FROM generate_series(1, length(t) - 1) AS i $$")
        for table, columns in NAMES.items():
            for column in columns:
                op.execute(f"CREATE INDEX ix_{table}_{column}_grams ON {table} USING gin (crm_grams({column}))")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for table in NAMES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_search_{event}")
            op.execute(f"DROP TABLE IF EXISTS {table}_search")
    else:
        for table, columns in NAMES.items():
            for column in columns:
                op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_grams")
        op.execute("DROP FUNCTION IF EXISTS crm_grams(text)")
