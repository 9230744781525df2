"""Problem bank: one row per finding of every tenant (问题库), kept by the projection.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "problem",
        sa.Column("tenant_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), primary_key=True),
        sa.Column("finding_id", sa.BigInteger, primary_key=True),
        sa.Column("province_code", sa.String(6), nullable=False),
        sa.Column("city_code", sa.String(6), nullable=True),
        sa.Column("tenant_level", sa.String(16), nullable=False),
        sa.Column("finding_code", sa.String(32), nullable=False),
        sa.Column("unit_id", sa.BigInteger, nullable=False),
        sa.Column("unit_name", sa.String(128), nullable=False),
        sa.Column("unit_type", sa.String(32), nullable=False),
        sa.Column("round_id", sa.BigInteger, nullable=False),
        sa.Column("round_kind", sa.String(32), nullable=False),
        sa.Column("taxonomy_code", sa.String(24), nullable=False),
        sa.Column("taxonomy_version", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("fixed_on_spot", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("found_on", sa.Date, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("projected_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="problem_bank",
    )
    op.create_index("problem_province_idx", "problem", ["province_code", "taxonomy_code"], schema="problem_bank")
    op.create_index("problem_city_idx", "problem", ["city_code", "taxonomy_code"], schema="problem_bank")
    op.create_index(
        "problem_open_deadline_idx", "problem", ["deadline"], schema="problem_bank", postgresql_where=sa.text("state <> '已销号'")
    )


def downgrade() -> None:
    op.drop_table("problem", schema="problem_bank")
