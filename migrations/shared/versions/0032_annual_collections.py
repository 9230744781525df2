"""The annual 机构编制报告's collection in each office (issue 23 item 3): when its units' reports
are due and when its own report onward is due (for the reminders), and that report onward to
its parent once submitted (the figures of its units' reports, frozen then).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "annual_collection",
        sa.Column("tenant_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("parent_code", sa.String(6), nullable=True),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("onward_due_on", sa.Date, nullable=False),
        sa.Column("units_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("onward_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("figures", JSONB, nullable=True),
        sa.Column("narrative", sa.Text, nullable=True),
        sa.Column("submitted_by", sa.String(64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        schema="supervision",
    )
    op.create_index("annual_collection_parent_idx", "annual_collection", ["parent_code", "year"], schema="supervision")


def downgrade() -> None:
    op.drop_table("annual_collection", schema="supervision")
