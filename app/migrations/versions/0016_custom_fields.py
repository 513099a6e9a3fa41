"""custom fields (issue 6)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-25 12:10:00

Definitions in `custom_field`; values in a JSON column `custom` on lead, account, contact and
opportunity. Expression indexes for choice fields are created when an admin adds such a field
(app/services/custom_fields.py), not here: their keys are not known in advance.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

ENTITIES = ('lead', 'account', 'contact', 'opportunity')


def upgrade():
    op.create_table(
        'custom_field',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entity', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('label_zh', sa.String(length=100), nullable=False),
        sa.Column('label_en', sa.String(length=100), nullable=False),
        sa.Column('help_zh', sa.String(length=255), nullable=True),
        sa.Column('help_en', sa.String(length=255), nullable=True),
        sa.Column('choices', sa.JSON(), nullable=True),
        sa.Column('link_entity', sa.String(length=20), nullable=True),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.Column('unique', sa.Boolean(), nullable=False),
        sa.Column('default_value', sa.String(length=255), nullable=True),
        sa.Column('in_list', sa.Boolean(), nullable=False),
        sa.Column('view_roles', sa.JSON(), nullable=True),
        sa.Column('edit_roles', sa.JSON(), nullable=True),
        sa.Column('sort_order', sa.Integer(), nullable=False),
        sa.Column('hidden', sa.Boolean(), nullable=False),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('entity', 'key', name='uq_custom_field_entity_key'),
    )
    op.create_index('ix_custom_field_entity', 'custom_field', ['entity'], unique=False)
    for table in ENTITIES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('custom', sa.JSON(none_as_null=True), nullable=True))


def downgrade():
    bind = op.get_bind()
    # the expression indexes of choice fields read the column: drop them first
    if bind.dialect.name == 'postgresql':
        rows = bind.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
    else:
        rows = bind.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
    for (name,) in list(rows):
        if name and name.startswith('ix_cf_'):
            op.execute(sa.text(f'DROP INDEX IF EXISTS {name}'))
    for table in ENTITIES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('custom')
    op.drop_index('ix_custom_field_entity', table_name='custom_field')
    op.drop_table('custom_field')
