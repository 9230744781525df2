"""The annual 机构编制报告 of an office's units (issue 23 item 3): one per unit and year, written by
the unit's liaison, submitted, returned or accepted by the office.

Revision ID: t0023
Revises: t0022
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "t0023"
down_revision = "t0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "annual_report",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), nullable=False),
        sa.Column("state", sa.String(4), nullable=False, server_default="未报送"),
        sa.Column("content", JSONB, nullable=False, server_default="{}"),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("year", "unit_id", name="annual_report_year_unit_key"),
        sa.CheckConstraint("state IN ('未报送', '已报送', '已退回', '已审核')", name="annual_report_state"),
    )


def downgrade() -> None:
    op.drop_table("annual_report")
