"""saved list views (issue 6)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-25 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_view',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('list_name', sa.String(length=50), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('sharing', sa.String(length=12), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('args', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_saved_view_list_owner', 'saved_view', ['list_name', 'owner_id'], unique=False)
    op.create_index('ix_saved_view_department_id', 'saved_view', ['department_id'], unique=False)
    op.create_table(
        'saved_view_default',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('list_name', sa.String(length=50), nullable=False),
        sa.Column('view_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['view_id'], ['saved_view.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'list_name'),
    )
    op.create_index('ix_saved_view_default_view_id', 'saved_view_default', ['view_id'], unique=False)


def downgrade():
    op.drop_index('ix_saved_view_default_view_id', table_name='saved_view_default')
    op.drop_table('saved_view_default')
    op.drop_index('ix_saved_view_department_id', table_name='saved_view')
    op.drop_index('ix_saved_view_list_owner', table_name='saved_view')
    op.drop_table('saved_view')
