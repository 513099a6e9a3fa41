"""targets rewards: domain events, webhooks, sales targets, point rules, points ledger, badges

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# the default rules (app.services.rewards.DEFAULT_RULES) and badges, as data
DEFAULT_RULES = [
    ("lead.converted", 10, None),
    ("opportunity.won", 1, 10000),
    ("followup.logged", 1, None),
    ("activity.overdue", -2, None),
]
DEFAULT_BADGES = [
    ("新星", "Rising star", 50, "fa-star"),
    ("铜牌", "Bronze", 200, "fa-medal"),
    ("银牌", "Silver", 500, "fa-medal"),
    ("金牌", "Gold", 1000, "fa-trophy"),
]


def upgrade():
    op.create_table('crm_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('history_id', sa.Integer(), nullable=True),
    sa.Column('entity', sa.String(length=30), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('door', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['ab_user.id'], name='fk_crm_event_actor_id', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name='fk_crm_event_user_id', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key', name='uq_crm_event_key')
    )
    with op.batch_alter_table('crm_event', schema=None) as batch_op:
        batch_op.create_index('ix_crm_event_record', ['entity', 'record_id'], unique=False)
        batch_op.create_index('ix_crm_event_kind', ['kind'], unique=False)
        batch_op.create_index('ix_crm_event_history_id', ['history_id'], unique=False)
        batch_op.create_index('ix_crm_event_user_id', ['user_id'], unique=False)
        batch_op.create_index('ix_crm_event_at', ['at'], unique=False)

    op.create_table('event_cursor',
    sa.Column('name', sa.String(length=30), nullable=False),
    sa.Column('last_id', sa.Integer(), server_default='0', nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )

    op.create_table('webhook_endpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], name='fk_webhook_endpoint_created_by_id', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )

    op.create_table('webhook_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoint.id'], name='fk_webhook_delivery_endpoint_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['crm_event.id'], name='fk_webhook_delivery_event_id', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'endpoint_id', name='uq_webhook_delivery_event_endpoint')
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_delivery_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_webhook_delivery_endpoint_id', ['endpoint_id'], unique=False)
        batch_op.create_index('ix_webhook_delivery_created_at', ['created_at'], unique=False)

    op.create_table('sales_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('won_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('new_accounts', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(user_id IS NULL) <> (department_id IS NULL)', name='ck_sales_target_one_subject'),
    sa.CheckConstraint('won_amount >= 0', name='ck_sales_target_amount'),
    sa.CheckConstraint('new_accounts IS NULL OR new_accounts >= 0', name='ck_sales_target_accounts'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name='fk_sales_target_department_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['ab_user.id'], name='fk_sales_target_updated_by_id', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name='fk_sales_target_user_id', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period', 'department_id', name='uq_sales_target_department'),
    sa.UniqueConstraint('period', 'user_id', name='uq_sales_target_user')
    )
    with op.batch_alter_table('sales_target', schema=None) as batch_op:
        batch_op.create_index('ix_sales_target_period', ['period'], unique=False)
        batch_op.create_index('ix_sales_target_user_id', ['user_id'], unique=False)
        batch_op.create_index('ix_sales_target_department_id', ['department_id'], unique=False)

    rules = op.create_table('point_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('per_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event', name='uq_point_rule_event')
    )

    op.create_table('point_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['crm_event.id'], name='fk_point_entry_event_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['point_rule.id'], name='fk_point_entry_rule_id', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name='fk_point_entry_user_id', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'user_id', name='uq_point_entry_event_user')
    )
    with op.batch_alter_table('point_entry', schema=None) as batch_op:
        batch_op.create_index('ix_point_entry_user_at', ['user_id', 'at'], unique=False)
        batch_op.create_index('ix_point_entry_at', ['at'], unique=False)

    badges = op.create_table('badge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=50), nullable=False),
    sa.Column('name_en', sa.String(length=50), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('icon', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('threshold', name='uq_badge_threshold')
    )

    op.bulk_insert(rules, [{"event": e, "points": p, "per_amount": a, "active": True}
                           for e, p, a in DEFAULT_RULES])
    op.bulk_insert(badges, [{"name_zh": zh, "name_en": en, "threshold": t, "icon": icon}
                            for zh, en, t, icon in DEFAULT_BADGES])
    # events start from the upgrade: history written before it is not replayed as new events
    op.execute("INSERT INTO event_cursor (name, last_id) SELECT 'history', COALESCE(MAX(id), 0) FROM history")
    op.execute("INSERT INTO event_cursor (name, last_id) SELECT 'follow_up', COALESCE(MAX(id), 0) FROM follow_up")
    op.execute("INSERT INTO event_cursor (name, last_id, checked_at) VALUES ('overdue', 0, CURRENT_TIMESTAMP)")


def downgrade():
    op.drop_table('badge')
    with op.batch_alter_table('point_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_point_entry_at')
        batch_op.drop_index('ix_point_entry_user_at')
    op.drop_table('point_entry')
    op.drop_table('point_rule')
    with op.batch_alter_table('sales_target', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_target_department_id')
        batch_op.drop_index('ix_sales_target_user_id')
        batch_op.drop_index('ix_sales_target_period')
    op.drop_table('sales_target')
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_delivery_created_at')
        batch_op.drop_index('ix_webhook_delivery_endpoint_id')
        batch_op.drop_index('ix_webhook_delivery_due')
    op.drop_table('webhook_delivery')
    op.drop_table('webhook_endpoint')
    op.drop_table('event_cursor')
    with op.batch_alter_table('crm_event', schema=None) as batch_op:
        batch_op.drop_index('ix_crm_event_at')
        batch_op.drop_index('ix_crm_event_user_id')
        batch_op.drop_index('ix_crm_event_history_id')
        batch_op.drop_index('ix_crm_event_kind')
        batch_op.drop_index('ix_crm_event_record')
    op.drop_table('crm_event')
