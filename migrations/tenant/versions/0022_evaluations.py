"""Evaluations (三评合一) of an office's departments on an indicator system (issue 23 item 1): the
evaluation, and per department its 自评 and the 评估组's scores per 要点, the 满意度 result and the
computed total and grade; a finding's source may be 机构编制评估.

Revision ID: t0022
Revises: t0021
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "t0022"
down_revision = "t0021"
branch_labels = None
depends_on = None

SOURCES = ("巡察检查", "进人审核", "实名制审核", "机构编制报告分析", "12310举报", "审计移送线索")
EVALUATION = "机构编制评估"


def _sources(sources: tuple[str, ...]) -> None:
    op.drop_constraint("finding_source", "finding")
    op.create_check_constraint("finding_source", "finding", "source IN (" + ", ".join(f"'{s}'" for s in sources) + ")")


def upgrade() -> None:
    op.create_table(
        "evaluation",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("system_id", sa.BigInteger, nullable=False),  # evaluation.indicator_system (no key across schemas)
        sa.Column("state", sa.String(8), nullable=False, server_default="方案"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("state IN ('方案', '自评', '评估', '已反馈', '已办结')", name="evaluation_state"),
    )
    op.create_table(
        "evaluation_unit",
        sa.Column("evaluation_id", sa.BigInteger, sa.ForeignKey("evaluation.id"), primary_key=True),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), primary_key=True),
        sa.Column("self_assessment", JSONB, nullable=False, server_default="{}"),
        sa.Column("scores", JSONB, nullable=False, server_default="{}"),
        sa.Column("satisfaction", sa.Numeric(5, 2), nullable=True),
        sa.Column("total", sa.Numeric(5, 2), nullable=True),
        sa.Column("grade", sa.String(4), nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    _sources((*SOURCES, EVALUATION))


def downgrade() -> None:
    """Refused (by the check) while findings of an evaluation exist."""
    _sources(SOURCES)
    op.drop_table("evaluation_unit")
    op.drop_table("evaluation")
