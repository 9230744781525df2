"""The history of recoded offices (tenants/recode.py): an office recoded or merged after a
division change keeps its old code here, so a code given out before (a 12310 query code, a
bookmark, another system's reference) still leads to the office under its new one.

Revision ID: 0037
Revises: 0034
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "code_change",
        sa.Column("old_code", sa.String(6), primary_key=True),
        sa.Column("old_name", sa.String(64), nullable=False),
        sa.Column("new_code", sa.String(6), nullable=False),
        sa.Column("new_name", sa.String(64), nullable=False),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("old_code <> new_code", name="code_change_new_code"),
        sa.CheckConstraint("change IN ('recode', 'merge')", name="code_change_kind"),
        schema="tenancy",
    )


def downgrade() -> None:
    op.drop_table("code_change", schema="tenancy")
