"""home page indexes (issue 8): a user's open activities and opportunities, answered from the index

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-25 12:10:00

The home widgets ask, per user, "open activities due before …" and "open opportunities' count and
amount by currency". With `deleted_at` inside the index (every query hides deleted rows) and the
summed columns after it, SQLite counts and sums from the index without reading the rows.
Plain CREATE / DROP INDEX (no batch table rebuild), so the search triggers of 0022 stay in place.
"""
from alembic import op
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_activity_owner_done_due", table_name="activity")
    op.create_index("ix_activity_owner_open_due", "activity", ["owner_id", "done_at", "deleted_at", "due_at"])
    op.create_index("ix_activity_owner_open_remind", "activity",
                    ["owner_id", "done_at", "deleted_at", "remind_at"])
    op.create_index("ix_opportunity_owner_sums", "opportunity",
                    ["owner_id", "deleted_at", "stage_id", "currency", "amount", "closed_at"])
    if op.get_bind().dialect.name == "sqlite":
        # without statistics for a new index SQLite may keep choosing an older, worse one
        for name in ("ix_activity_owner_open_due", "ix_activity_owner_open_remind", "ix_opportunity_owner_sums"):
            op.execute(f"ANALYZE {name}")


def downgrade():
    op.drop_index("ix_opportunity_owner_sums", table_name="opportunity")
    op.drop_index("ix_activity_owner_open_remind", table_name="activity")
    op.drop_index("ix_activity_owner_open_due", table_name="activity")
    op.create_index("ix_activity_owner_done_due", "activity", ["owner_id", "done_at", "due_at"])
