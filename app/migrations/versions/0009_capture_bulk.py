"""capture bulk: each user's last quick-add channel and source

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'capture_preference',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name='fk_capture_preference_user_id',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['source_id'], ['lead_source.id'], name='fk_capture_preference_source_id',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('user_id', name='pk_capture_preference'),
    )


def downgrade():
    op.drop_table('capture_preference')
