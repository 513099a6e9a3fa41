"""home activities: home layouts, follow-ups, reminder state, recently viewed

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

PARENTS = ("lead", "account", "contact", "opportunity")
ONE_PARENT = (
    "(CASE WHEN lead_id IS NULL THEN 0 ELSE 1 END + CASE WHEN account_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN contact_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN opportunity_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def upgrade():
    op.create_table('home_layout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('widgets', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name='fk_home_layout_user_id', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', name='uq_home_layout_user_id')
    )
    op.create_table('role_home_layout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('widgets', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['ab_role.id'], name='fk_role_home_layout_role_id', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('role_id', name='uq_role_home_layout_role_id')
    )
    op.create_table('follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    *[sa.Column(f'{p}_id', sa.Integer(), nullable=True) for p in PARENTS],
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint(ONE_PARENT, name='ck_follow_up_one_parent'),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name='fk_follow_up_activity_id', ondelete='SET NULL'),
    *[sa.ForeignKeyConstraint([f'{p}_id'], [f'{p}.id'], name=f'fk_follow_up_{p}_id', ondelete='CASCADE')
      for p in PARENTS],
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], name='fk_follow_up_created_by_id', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['ab_user.id'], name='fk_follow_up_updated_by_id', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        for column in ('activity_id', 'at', 'created_at', 'updated_at', 'created_by_id', 'updated_by_id',
                       *[f'{p}_id' for p in PARENTS]):
            batch_op.create_index(f'ix_follow_up_{column}', [column], unique=False)
    op.create_table('activity_reminder',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('remind_at', sa.DateTime(), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(), nullable=True),
    sa.Column('snoozed_until', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name='fk_activity_reminder_activity_id', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('activity_id')
    )
    op.create_table('recent_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('viewed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name='fk_recent_view_user_id', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'entity', 'record_id', name='uq_recent_view')
    )
    with op.batch_alter_table('recent_view', schema=None) as batch_op:
        batch_op.create_index('ix_recent_view_user_at', ['user_id', 'viewed_at'], unique=False)
    op.create_index('ix_activity_owner_done_remind', 'activity', ['owner_id', 'done_at', 'remind_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_activity_owner_done_remind', table_name='activity')
    with op.batch_alter_table('recent_view', schema=None) as batch_op:
        batch_op.drop_index('ix_recent_view_user_at')
    op.drop_table('recent_view')
    op.drop_table('activity_reminder')
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        for column in ('activity_id', 'at', 'created_at', 'updated_at', 'created_by_id', 'updated_by_id',
                       *[f'{p}_id' for p in PARENTS]):
            batch_op.drop_index(f'ix_follow_up_{column}')
    op.drop_table('follow_up')
    op.drop_table('role_home_layout')
    op.drop_table('home_layout')
