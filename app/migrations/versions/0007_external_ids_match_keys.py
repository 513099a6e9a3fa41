"""external ids on every record; normalised match keys for duplicate checks

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

RECORDS = ("lead", "account", "contact", "opportunity", "activity", "note")
# table -> (key column, length, source column, normaliser)
KEYS = {
    "lead": (("mobile_key", 32, "mobile", "mobile"), ("email_key", 254, "email", "email"),
             ("company_key", 200, "company_name", "company")),
    "account": (("name_key", 200, "name", "company"), ("phone_key", 32, "phone", "mobile")),
    "contact": (("mobile_key", 32, "mobile", "mobile"), ("email_key", 254, "email", "email")),
}


def upgrade():
    for table in RECORDS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('external_id', sa.String(length=64), nullable=True))
            batch_op.create_index(f'ix_{table}_external_id', ['external_id'], unique=True)
            for key, length, _source, _fn in KEYS.get(table, ()):
                batch_op.add_column(sa.Column(key, sa.String(length=length), nullable=True))
                batch_op.create_index(f'ix_{table}_{key}', [key], unique=False)
    _backfill_keys()


def _backfill_keys():
    from app.services import normalise

    conn = op.get_bind()
    for table, keys in KEYS.items():
        sources = ", ".join(source for _k, _l, source, _fn in keys)
        rows = conn.execute(sa.text(f"SELECT id, {sources} FROM {table}")).fetchall()
        if not rows:
            continue
        sets = ", ".join(f"{key} = :{key}" for key, *_ in keys)
        params = [
            {"id": row[0], **{key: getattr(normalise, fn)(row[i + 1]) for i, (key, _l, _s, fn) in enumerate(keys)}}
            for row in rows
        ]
        conn.execute(sa.text(f"UPDATE {table} SET {sets} WHERE id = :id"), params)


def downgrade():
    for table in RECORDS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for key, *_ in KEYS.get(table, ()):
                batch_op.drop_index(f'ix_{table}_{key}')
                batch_op.drop_column(key)
            batch_op.drop_index(f'ix_{table}_external_id')
            batch_op.drop_column('external_id')
