"""The documents a unit owes after its 统一反馈 (整改方案, 整改情况报告), for the morning reminders.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_due",
        sa.Column("tenant_code", sa.String(6), primary_key=True),
        sa.Column("round_id", sa.BigInteger, primary_key=True),
        sa.Column("unit_id", sa.BigInteger, primary_key=True),
        sa.Column("document", sa.String(8), primary_key=True),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        schema="supervision",
    )


def downgrade() -> None:
    op.drop_table("answer_due", schema="supervision")
