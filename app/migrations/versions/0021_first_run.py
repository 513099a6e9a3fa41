"""first-run settings (issue 11)

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-25 12:10:00

One row of company settings (name, default language and currency) and whether the admin has
finished or skipped the first-run page.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "company_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("default_language", sa.String(length=5), nullable=False),
        sa.Column("default_currency", sa.String(length=3), nullable=False),
        sa.Column("first_run_done_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("company_settings")
