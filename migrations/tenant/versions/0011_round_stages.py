"""Round stages (计划 → 准备 → 进驻 → 了解情况 → 报告 → 反馈 → 整改 → 验收 → 归档) and the history of
a round's moves. Rounds that existed before stages have their findings in the ledger already,
as after 反馈: they stand at 整改.

Revision ID: t0011
Revises: t0010
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "t0011"
down_revision = "t0010"
branch_labels = None
depends_on = None

STAGES = ("计划", "准备", "进驻", "了解情况", "报告", "反馈", "整改", "验收", "归档")


def upgrade() -> None:
    op.add_column("inspection_round", sa.Column("state", sa.String(16), nullable=False, server_default="整改"))
    op.alter_column("inspection_round", "state", server_default="计划")
    op.create_check_constraint("inspection_round_state", "inspection_round", "state IN (" + ", ".join(f"'{s}'" for s in STAGES) + ")")
    op.create_table(
        "round_stage_event",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=False),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("round_stage_event_round_idx", "round_stage_event", ["round_id", "id"])


def downgrade() -> None:
    op.drop_table("round_stage_event")
    op.drop_constraint("inspection_round_state", "inspection_round")
    op.drop_column("inspection_round", "state")
