"""日常监督 without a fake round: a finding's source is a round or a named daily-supervision
channel (进人审核, 实名制审核, 机构编制报告分析, 12310举报, 审计移送线索); a daily finding has no
round. Existing findings are a round's.

Revision ID: t0013
Revises: t0012
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "t0013"
down_revision = "t0012"
branch_labels = None
depends_on = None

ROUND = "巡察检查"
SOURCES = (ROUND, "进人审核", "实名制审核", "机构编制报告分析", "12310举报", "审计移送线索")


def upgrade() -> None:
    op.add_column("finding", sa.Column("source", sa.String(16), nullable=False, server_default=ROUND))
    op.add_column("finding", sa.Column("source_reference", sa.String(64), nullable=True))
    op.alter_column("finding", "round_id", nullable=True)
    op.create_check_constraint("finding_source", "finding", "source IN (" + ", ".join(f"'{s}'" for s in SOURCES) + ")")
    op.create_check_constraint("finding_source_round", "finding", f"(source = '{ROUND}') = (round_id IS NOT NULL)")
    op.create_check_constraint("finding_source_reference", "finding", f"source_reference IS NULL OR source <> '{ROUND}'")


def downgrade() -> None:
    """Refused (by the NOT NULL) while daily-supervision findings exist: they have no round to go back to."""
    for name in ("finding_source_reference", "finding_source_round", "finding_source"):
        op.drop_constraint(name, "finding")
    op.alter_column("finding", "round_id", nullable=False)
    op.drop_column("finding", "source_reference")
    op.drop_column("finding", "source")
