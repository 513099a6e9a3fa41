"""tickets inquiries: tickets 工单 with their conversation, categories, service levels,
assignment rules, and the rule that turns a prospect's inquiry into a lead

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ticket_category',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name_zh', sa.String(length=100), nullable=False),
        sa.Column('name_en', sa.String(length=100), nullable=False),
        sa.Column('sort_order', sa.Integer(), server_default='0', nullable=False),
        sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_ticket_category'),
    )
    op.create_table(
        'ticket_sla',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('priority', sa.String(length=10), nullable=False),
        sa.Column('first_response_minutes', sa.Integer(), nullable=False),
        sa.Column('resolution_minutes', sa.Integer(), nullable=False),
        sa.CheckConstraint('first_response_minutes > 0 AND resolution_minutes > 0',
                           name='ck_ticket_sla_positive'),
        sa.PrimaryKeyConstraint('id', name='pk_ticket_sla'),
        sa.UniqueConstraint('priority', name='uq_ticket_sla_priority'),
    )
    op.create_table(
        'ticket_assignment_rule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('last_assigned_id', sa.Integer(), nullable=True),
        sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['ticket_category.id'], ondelete='CASCADE',
                                name='fk_ticket_assignment_rule_category_id'),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], ondelete='SET NULL',
                                name='fk_ticket_assignment_rule_department_id'),
        sa.ForeignKeyConstraint(['assignee_id'], ['ab_user.id'], ondelete='SET NULL',
                                name='fk_ticket_assignment_rule_assignee_id'),
        sa.ForeignKeyConstraint(['last_assigned_id'], ['ab_user.id'], ondelete='SET NULL',
                                name='fk_ticket_assignment_rule_last_assigned_id'),
        sa.PrimaryKeyConstraint('id', name='pk_ticket_assignment_rule'),
        sa.UniqueConstraint('category_id', name='uq_ticket_assignment_rule_category_id'),
    )
    op.create_table(
        'inquiry_rule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('source_id', sa.Integer(), nullable=True),
        sa.Column('task_due_hours', sa.Integer(), server_default='4', nullable=False),
        sa.Column('last_assigned_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], ondelete='SET NULL',
                                name='fk_inquiry_rule_department_id'),
        sa.ForeignKeyConstraint(['source_id'], ['lead_source.id'], ondelete='SET NULL',
                                name='fk_inquiry_rule_source_id'),
        sa.ForeignKeyConstraint(['last_assigned_id'], ['ab_user.id'], ondelete='SET NULL',
                                name='fk_inquiry_rule_last_assigned_id'),
        sa.PrimaryKeyConstraint('id', name='pk_inquiry_rule'),
    )
    user_fk = dict(ondelete='SET NULL')
    op.create_table(
        'ticket',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('priority', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('origin', sa.String(length=10), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=True),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('opportunity_id', sa.Integer(), nullable=True),
        sa.Column('requester_name', sa.String(length=100), nullable=True),
        sa.Column('requester_company', sa.String(length=200), nullable=True),
        sa.Column('requester_mobile', sa.String(length=32), nullable=True),
        sa.Column('requester_email', sa.String(length=254), nullable=True),
        sa.Column('requester_wechat', sa.String(length=64), nullable=True),
        sa.Column('first_response_due_at', sa.DateTime(), nullable=True),
        sa.Column('resolution_due_at', sa.DateTime(), nullable=True),
        sa.Column('first_responded_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('paused_at', sa.DateTime(), nullable=True),
        sa.Column('paused_seconds', sa.Integer(), server_default='0', nullable=False),
        sa.Column('access_token_hash', sa.String(length=64), nullable=True),
        sa.Column('access_expires_at', sa.DateTime(), nullable=True),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('deleted_at', sa.DateTime(), nullable=True),
        sa.Column('deleted_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('external_id', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['category_id'], ['ticket_category.id'], name='fk_ticket_category_id'),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], name='fk_ticket_account_id', **user_fk),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name='fk_ticket_contact_id', **user_fk),
        sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], name='fk_ticket_opportunity_id',
                                **user_fk),
        sa.ForeignKeyConstraint(['owner_id'], ['ab_user.id'], name='fk_ticket_owner_id', **user_fk),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], name='fk_ticket_created_by_id', **user_fk),
        sa.ForeignKeyConstraint(['updated_by_id'], ['ab_user.id'], name='fk_ticket_updated_by_id', **user_fk),
        sa.ForeignKeyConstraint(['deleted_by_id'], ['ab_user.id'], name='fk_ticket_deleted_by_id', **user_fk),
        sa.PrimaryKeyConstraint('id', name='pk_ticket'),
        sa.UniqueConstraint('number', name='uq_ticket_number'),
        sa.UniqueConstraint('access_token_hash', name='uq_ticket_access_token_hash'),
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        for column in ('category_id', 'status', 'account_id', 'contact_id', 'opportunity_id',
                       'first_response_due_at', 'resolution_due_at', 'resolved_at', 'created_at',
                       'updated_at', 'created_by_id', 'updated_by_id', 'deleted_at'):
            batch_op.create_index(f'ix_ticket_{column}', [column], unique=False)
        batch_op.create_index('ix_ticket_external_id', ['external_id'], unique=True)
        batch_op.create_index('ix_ticket_owner_deleted', ['owner_id', 'deleted_at'], unique=False)
        batch_op.create_index('ix_ticket_status_created', ['status', 'created_at'], unique=False)

    op.create_table(
        'ticket_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE',
                                name='fk_ticket_message_ticket_id'),
        sa.ForeignKeyConstraint(['author_id'], ['ab_user.id'], ondelete='SET NULL',
                                name='fk_ticket_message_author_id'),
        sa.PrimaryKeyConstraint('id', name='pk_ticket_message'),
    )
    with op.batch_alter_table('ticket_message', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_message_ticket', ['ticket_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket_message', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_message_ticket')
    op.drop_table('ticket_message')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_status_created')
        batch_op.drop_index('ix_ticket_owner_deleted')
        batch_op.drop_index('ix_ticket_external_id')
        for column in ('category_id', 'status', 'account_id', 'contact_id', 'opportunity_id',
                       'first_response_due_at', 'resolution_due_at', 'resolved_at', 'created_at',
                       'updated_at', 'created_by_id', 'updated_by_id', 'deleted_at'):
            batch_op.drop_index(f'ix_ticket_{column}')
    op.drop_table('ticket')
    op.drop_table('inquiry_rule')
    op.drop_table('ticket_assignment_rule')
    op.drop_table('ticket_sla')
    op.drop_table('ticket_category')
