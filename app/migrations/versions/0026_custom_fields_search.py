"""custom fields in search and duplicate rules (issue 6)

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-25 15:50:00

Two options on a custom field: `searchable` (text fields: the list search box finds records by it,
on by default for text and long text) and `duplicate_check` (text and number fields: the duplicate
check also matches on it).

The search box finds custom text by any fragment, like names (0022): on SQLite an FTS5 table
`<table>_custom_search` per record type holds the two-character pieces of the record's custom
text values (every text / long-text field, in one column, values separated by a line break), kept
current by triggers on the record table; on PostgreSQL each searchable text field gets a GIN index
over crm_grams(custom ->> key) (created by the app when a field is added or made searchable, and
here for the fields that already exist). The search rechecks with LIKE whenever the index holds
text the viewer may not search (a field they may not see, or one not searchable).

On SQLite a table rebuilt by a later batch migration loses its triggers: call
`create_sqlite_triggers` again for that table (as for 0022's).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

TABLES = ("lead", "account", "contact", "opportunity")
TEXT_KINDS = "('text', 'long_text')"
MAX_CHARS = 10_000  # characters of custom text per record that are indexed (100 × 100 positions)
_HUNDREDS = "[" + ",".join(str(i) for i in range(MAX_CHARS // 100)) + "]"
_UNITS = "[" + ",".join(str(i) for i in range(1, 101)) + "]"


def pieces_select(table: str, ref: str) -> str:
    """SELECT of one value: the pieces of the record's custom text (`ref` is new.custom or a column).

    Positions come from two small JSON arrays (triggers allow no recursive CTE), hundreds first so
    that a short text stops after one hundred (CROSS JOIN keeps that order: 0.03 ms a value instead
    of 1.3 ms); the inner ORDER BY keeps the pieces in text order, which a phrase query needs."""
    text = (f"SELECT substr(group_concat(j.value, char(10)), 1, {MAX_CHARS}) AS v FROM json_each({ref}) j "
            f"WHERE j.type = 'text' AND j.key IN (SELECT key FROM custom_field "
            f"WHERE entity = '{table}' AND kind IN {TEXT_KINDS})")
    return (f"SELECT group_concat(p, ' ') FROM (SELECT substr(t.v, h.value * 100 + u.value, 2) AS p "
            f"FROM ({text}) t CROSS JOIN json_each('{_HUNDREDS}') h CROSS JOIN json_each('{_UNITS}') u "
            f"WHERE h.value * 100 < length(t.v) AND h.value * 100 + u.value < length(t.v) "
            f"ORDER BY h.value, u.value)")


def create_sqlite_triggers(table: str) -> None:
    search = f"{table}_custom_search"
    fill = (f"INSERT INTO {search}(rowid, txt) SELECT new.id, x FROM "
            f"(SELECT ({pieces_select(table, 'new.custom')}) AS x) WHERE x IS NOT NULL;")
    op.execute(f"CREATE TRIGGER {search}_insert AFTER INSERT ON {table} WHEN new.custom IS NOT NULL "
               f"BEGIN {fill} END")
    op.execute(f"CREATE TRIGGER {search}_update AFTER UPDATE ON {table} WHEN old.custom IS NOT new.custom "
               f"BEGIN DELETE FROM {search} WHERE rowid = old.id; {fill} END")
    op.execute(f"CREATE TRIGGER {search}_delete AFTER DELETE ON {table} WHEN old.custom IS NOT NULL "
               f"BEGIN DELETE FROM {search} WHERE rowid = old.id; END")


def upgrade():
    with op.batch_alter_table('custom_field') as batch:
        batch.add_column(sa.Column('searchable', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('duplicate_check', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(f"UPDATE custom_field SET searchable = {'true' if _pg() else '1'} WHERE kind IN {TEXT_KINDS}")
    if not _pg():
        for table in TABLES:
            search = f"{table}_custom_search"
            op.execute(f"CREATE VIRTUAL TABLE {search} USING fts5(txt, tokenize='unicode61')")
            op.execute(f"INSERT INTO {search}(rowid, txt) SELECT id, x FROM (SELECT id, "
                       f"({pieces_select(table, f'{table}.custom')}) AS x FROM {table} "
                       f"WHERE custom IS NOT NULL) WHERE x IS NOT NULL")
            create_sqlite_triggers(table)
        return
    rows = op.get_bind().execute(sa.text(
        f"SELECT entity, key FROM custom_field WHERE kind IN {TEXT_KINDS}")).all()
    for entity, key in rows:
        op.execute(f"CREATE INDEX IF NOT EXISTS {_grams_index(entity, key)} ON {entity} "
                   f"USING gin (crm_grams(custom ->> '{key}'))")


def downgrade():
    if not _pg():
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_custom_search_{event}")
            op.execute(f"DROP TABLE IF EXISTS {table}_custom_search")
    else:
        rows = op.get_bind().execute(sa.text("SELECT entity, key FROM custom_field")).all()
        for entity, key in rows:
            op.execute(f"DROP INDEX IF EXISTS {_grams_index(entity, key)}")
    with op.batch_alter_table('custom_field') as batch:
        batch.drop_column('duplicate_check')
        batch.drop_column('searchable')


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _grams_index(entity: str, key: str) -> str:
    return f"ix_cfs_{entity}_{key}"[:63]
