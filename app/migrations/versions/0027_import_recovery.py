"""interrupted imports rolled back (issues 3 and 7): import_batch.heartbeat_at

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-25 15:50:00

A running import renews `heartbeat_at` with every committed slice; a batch still running whose
heartbeat is old lost its process and is taken back (app/services/importing/recovery.py).
A plain ADD COLUMN: no table rebuild, so SQLite's triggers stay.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("import_batch", sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
    # batches running at upgrade time: their last sign of life is when they started
    op.execute("UPDATE import_batch SET heartbeat_at = COALESCE(started_at, created_at) "
               "WHERE status IN ('queued', 'validating', 'writing')")


def downgrade():
    op.execute("UPDATE import_batch SET status = 'failed' WHERE status = 'interrupted'")
    with op.batch_alter_table("import_batch") as batch:  # import_batch has no triggers to recreate
        batch.drop_column("heartbeat_at")
