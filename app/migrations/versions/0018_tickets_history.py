"""tickets in history, recycle bin and timelines (issue 13)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-25 12:10:00

Reserved slot, so features built in parallel keep one linear chain; empty until its feature lands.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
