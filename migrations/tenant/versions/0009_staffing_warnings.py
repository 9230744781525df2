"""Staff records (实名制人员) and early warnings (预警) raised from staffing data.

Revision ID: t0009
Revises: t0008
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "t0009"
down_revision = "t0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_record",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("id_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("id_masked", sa.String(18), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("on_post", sa.Boolean, nullable=False),
        sa.Column("seconded", sa.Boolean, nullable=False),
        sa.Column("seconded_from", sa.Date, nullable=True),
        sa.Column("seconded_to", sa.Date, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("seconded_to IS NULL OR seconded_from IS NULL OR seconded_to >= seconded_from", name="staff_record_period"),
    )
    op.create_index("staff_record_unit_idx", "staff_record", ["unit_id", "id"])
    op.create_table(
        "staffing_warning",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("subject_key", sa.String(16), nullable=False, server_default=""),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("measured", sa.Integer, nullable=False),
        sa.Column("allowed", sa.Integer, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_note", sa.Text, nullable=True),
        sa.Column("finding_id", sa.BigInteger, sa.ForeignKey("finding.id"), nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("level IN ('blue', 'yellow', 'red')", name="staffing_warning_level"),
    )
    op.create_index(
        "staffing_warning_open_once",
        "staffing_warning",
        ["unit_id", "rule", "subject_key"],
        unique=True,
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.create_index("staffing_warning_unit_idx", "staffing_warning", ["unit_id", "id"])


def downgrade() -> None:
    op.drop_table("staffing_warning")
    op.drop_table("staff_record")
