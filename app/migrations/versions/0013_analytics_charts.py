"""analytics charts

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('analytics_chart',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('dashboard', sa.String(length=30), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('on_home', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], name='fk_analytics_chart_created_by_id', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('analytics_chart', schema=None) as batch_op:
        batch_op.create_index('ix_analytics_chart_dashboard', ['dashboard'], unique=False)
        batch_op.create_index('ix_analytics_chart_created_by_id', ['created_by_id'], unique=False)

    op.create_table('forecast_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('taken_month', sa.Date(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('weighted_configured', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('weighted_learned', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['ab_user.id'], name='fk_forecast_snapshot_owner_id', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('forecast_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_forecast_snapshot_month', ['month', 'taken_month'], unique=False)
        batch_op.create_index('ix_forecast_snapshot_owner_id', ['owner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('forecast_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_forecast_snapshot_owner_id')
        batch_op.drop_index('ix_forecast_snapshot_month')
    op.drop_table('forecast_snapshot')
    with op.batch_alter_table('analytics_chart', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_chart_created_by_id')
        batch_op.drop_index('ix_analytics_chart_dashboard')
    op.drop_table('analytics_chart')
