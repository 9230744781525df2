"""Leader responsibility reviews (三责联审): leaders, reviews, their stages and the findings they raised.

Revision ID: t0007
Revises: t0006
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "t0007"
down_revision = "t0006"
branch_labels = None
depends_on = None

LEVELS = ("县级", "乡镇", "市直部门", "县直部门", "其他")
REASONS = ("任期届满", "提拔", "交流", "轮岗", "免职", "辞职", "降职", "退休")
STAGES = (
    "审前告知",
    "动员部署",
    "个人述职",
    "民主评议",
    "个别访谈",
    "实地查验",
    "情况汇总",
    "信息反馈",
    "整改落实",
    "跟踪督导",
    "检查验收",
)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        "leader",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("post", sa.String(64), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("appointed_on", sa.Date, nullable=False),
        sa.Column("left_on", sa.Date),
        sa.Column("leaving_reason", sa.String(8)),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(_one_of("level", LEVELS), name="leader_level"),
        sa.CheckConstraint(_one_of("leaving_reason", REASONS), name="leader_leaving_reason"),
        sa.CheckConstraint("(left_on IS NULL) = (leaving_reason IS NULL)", name="leader_leaving"),
        sa.CheckConstraint("left_on IS NULL OR left_on >= appointed_on", name="leader_tenure"),
    )
    op.create_index("leader_unit_idx", "leader", ["unit_id", "id"])
    op.create_table(
        "leader_review",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("leader_id", sa.BigInteger, sa.ForeignKey("leader.id"), nullable=False),
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("state", sa.String(8), nullable=False, server_default="进行中"),
        sa.Column("conclusion", sa.Text),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("kind IN ('离任审核', '任中审核')", name="leader_review_kind"),
        sa.CheckConstraint("state IN ('进行中', '已完成')", name="leader_review_state"),
        sa.CheckConstraint("(state = '已完成') = (closed_at IS NOT NULL)", name="leader_review_closed_at"),
        sa.UniqueConstraint("leader_id", "year", name="leader_review_leader_year_key"),
    )
    op.create_index("leader_review_year_idx", "leader_review", ["year", "id"])
    op.create_table(
        "review_stage",
        sa.Column("review_id", sa.BigInteger, sa.ForeignKey("leader_review.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("stage", sa.String(8), nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("notes", sa.Text),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(_one_of("stage", STAGES), name="review_stage_stage"),
    )
    op.create_table(
        "review_problem",
        sa.Column("finding_id", sa.BigInteger, sa.ForeignKey("finding.id"), primary_key=True),
        sa.Column("review_id", sa.BigInteger, sa.ForeignKey("leader_review.id"), nullable=False),
    )
    op.create_index("review_problem_review_idx", "review_problem", ["review_id"])


def downgrade() -> None:
    op.drop_table("review_problem")
    op.drop_table("review_stage")
    op.drop_table("leader_review")
    op.drop_table("leader")
