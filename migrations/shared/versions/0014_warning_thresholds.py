"""Per-province settings of the early-warning (预警) rules.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "warning_threshold",
        sa.Column("province_code", sa.String(6), primary_key=True),
        sa.Column("rule", sa.String(32), primary_key=True),
        sa.Column("parameter", sa.Integer, nullable=True),
        sa.Column("yellow_at", sa.Integer, nullable=False),
        sa.Column("red_at", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("0 < yellow_at AND yellow_at <= red_at", name="warning_threshold_levels"),
        schema="supervision",
    )


def downgrade() -> None:
    op.drop_table("warning_threshold", schema="supervision")
