"""A province's terms of the round lifecycle (backend/feedback/terms.py): the days for a 整改方案,
the months for a 整改情况报告, whether a 验收 is scored. Provinces without a row keep the defaults.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "round_terms",
        sa.Column("province_code", sa.String(6), primary_key=True),
        sa.Column("plan_days", sa.Integer, nullable=False),
        sa.Column("report_months", sa.Integer, nullable=False),
        sa.Column("acceptance_scored", sa.Boolean, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="supervision",
    )


def downgrade() -> None:
    op.drop_table("round_terms", schema="supervision")
