"""Inspection rounds: kinds, methods, units covered, team, version; unit self-checks (自查).

Revision ID: t0004
Revises: t0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "t0004"
down_revision = "t0003"
branch_labels = None
depends_on = None

KINDS = ("巡视", "巡察", "选人用人专项检查", "三责联审", "专项检查", "日常督查")


def upgrade() -> None:
    kinds = ", ".join(f"'{k}'" for k in KINDS)
    op.create_check_constraint("inspection_round_kind", "inspection_round", f"kind IN ({kinds})")
    op.create_check_constraint("inspection_round_period", "inspection_round", "ends_on IS NULL OR ends_on >= starts_on")
    op.add_column("inspection_round", sa.Column("methods", JSONB, nullable=False, server_default="[]"))
    op.add_column("inspection_round", sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    op.create_table(
        "round_unit",
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), primary_key=True),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), primary_key=True),
    )
    op.create_index("round_unit_unit_idx", "round_unit", ["unit_id"])
    op.create_table(
        "round_member",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("duty", sa.String(16), nullable=False),
        sa.CheckConstraint("duty IN ('组长', '副组长', '组员', '联络员')", name="round_member_duty"),
    )
    op.create_index("round_member_round_idx", "round_member", ["round_id"])
    op.create_table(
        "self_check",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=False),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("round_id", "unit_id", name="self_check_round_unit_key"),
    )


def downgrade() -> None:
    op.drop_table("self_check")
    op.drop_table("round_member")
    op.drop_table("round_unit")
    op.drop_column("inspection_round", "version")
    op.drop_column("inspection_round", "methods")
    op.drop_constraint("inspection_round_period", "inspection_round")
    op.drop_constraint("inspection_round_kind", "inspection_round")
