"""derived data computed in bulk by an import (issue 7)

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-25 17:10:00

On SQLite the insert triggers of `lead` that write its name-search pieces (0029) and its analytics summary
count (0019) cost ~60 µs a row, most of an import's time. They now stand aside while the inserting
transaction holds a `bulk_write` row for the table; the import then computes the same data for its rows in
two set-based statements (app/services/derived.py) and deletes the row before committing. The row is never
committed, so no other writer sees it. On PostgreSQL nothing changes (GIN index, statement triggers).

The triggers keep their bodies: this migration adds the WHEN clause to the stored SQL.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

TRIGGERS = ("lead_search_insert", "analytics_lead_month_ai")
PLAIN = "AFTER INSERT ON lead BEGIN"
GATED = "AFTER INSERT ON lead WHEN NOT EXISTS (SELECT 1 FROM bulk_write WHERE name = 'lead') BEGIN"


def _rewrite(old: str, new: str) -> None:
    conn = op.get_bind()
    for name in TRIGGERS:
        sql = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
                           {"n": name}).scalar()
        if sql is None or old not in sql:
            raise RuntimeError(f"trigger {name} is not in the expected form")
        op.execute(f"DROP TRIGGER {name}")
        op.execute(sql.replace(old, new, 1))


def upgrade():
    op.create_table("bulk_write", sa.Column("name", sa.String(40), nullable=False),
                    sa.PrimaryKeyConstraint("name"))
    if op.get_bind().dialect.name == "sqlite":
        _rewrite(PLAIN, GATED)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _rewrite(GATED, PLAIN)
    op.drop_table("bulk_write")
