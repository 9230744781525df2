"""三责联审 as 苏州 names it (issue 22 item 3): leaders of 直属事业单位、人民团体 get their own level,
and a closed review carries a graded conclusion (好 / 较好 / 一般 / 差).

Revision ID: t0024
Revises: t0023
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "t0024"
down_revision = "t0023"
branch_labels = None
depends_on = None

LEVELS = ("县级", "乡镇", "市直部门", "县直部门", "其他")
DIRECT = "直属单位"


def _levels(levels: tuple[str, ...]) -> None:
    op.drop_constraint("leader_level", "leader")
    op.create_check_constraint("leader_level", "leader", "level IN (" + ", ".join(f"'{v}'" for v in levels) + ")")


def upgrade() -> None:
    _levels((*LEVELS, DIRECT))
    op.add_column("leader_review", sa.Column("grade", sa.String(4), nullable=True))
    op.create_check_constraint("leader_review_grade", "leader_review", "grade IS NULL OR grade IN ('好', '较好', '一般', '差')")


def downgrade() -> None:
    """Refused (by the check) while a leader of a 直属单位 is registered."""
    op.drop_column("leader_review", "grade")
    _levels(LEVELS)
