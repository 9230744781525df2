"""Periodic rectification reports up the hierarchy (整改情况定期报告, backend/reporting/).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_up",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_code", sa.String(6), nullable=False),
        sa.Column("parent_code", sa.String(6), nullable=False),
        sa.Column("period", sa.String(6), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("state", sa.String(4), nullable=False, server_default="草稿"),
        sa.Column("narrative", sa.Text, nullable=False),
        sa.Column("figures", JSONB, nullable=True),
        sa.Column("prepared_by", sa.String(64), nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("tenant_code", "period", name="report_up_period_key"),
        sa.CheckConstraint("state IN ('草稿', '已报送', '已确认', '已退回')", name="report_up_state"),
        schema="supervision",
    )
    op.create_index("report_up_parent_idx", "report_up", ["parent_code", "period"], schema="supervision")


def downgrade() -> None:
    op.drop_table("report_up", schema="supervision")
