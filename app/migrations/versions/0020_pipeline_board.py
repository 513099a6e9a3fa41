"""pipeline board (issue 11)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-25 12:10:00

The board's won and lost columns show what closed in the last 30 days, latest first: one index
on (stage, closed at) answers both their cards (a range, already in order) and their totals
(covering: deleted, owner, currency and amount are in the index too).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


COLUMNS = ["stage_id", "closed_at", "deleted_at", "owner_id", "currency", "amount"]


def upgrade():
    op.create_index("ix_opportunity_pipeline_closed", "opportunity", COLUMNS)


def downgrade():
    op.drop_index("ix_opportunity_pipeline_closed", table_name="opportunity")
