"""api keys (the REST API's sign-in for integrations)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 09:10:00

Webhooks live in 0012 (helper "events"); this revision holds the api_key table only.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name='fk_api_key_user_id', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], name='fk_api_key_created_by_id',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['ab_user.id'], name='fk_api_key_revoked_by_id',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.create_index('ix_api_key_prefix', ['prefix'], unique=False)
        batch_op.create_index('ix_api_key_key_hash', ['key_hash'], unique=True)
        batch_op.create_index('ix_api_key_user_id', ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_index('ix_api_key_user_id')
        batch_op.drop_index('ix_api_key_key_hash')
        batch_op.drop_index('ix_api_key_prefix')
    op.drop_table('api_key')
