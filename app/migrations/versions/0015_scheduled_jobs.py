"""scheduled jobs: the in-app scheduler's runs and locks

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 09:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduled_job',
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('next_run_at', sa.DateTime(), nullable=False),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('last_started_at', sa.DateTime(), nullable=True),
        sa.Column('last_finished_at', sa.DateTime(), nullable=True),
        sa.Column('last_status', sa.String(length=10), nullable=True),
        sa.Column('last_message', sa.Text(), nullable=True),
        sa.Column('runs', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade():
    op.drop_table('scheduled_job')
