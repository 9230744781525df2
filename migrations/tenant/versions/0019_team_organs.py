"""联合检查组: a round's team member names the organ they come from (tenancy.organ; none: the
office's 编办).

Revision ID: t0019
Revises: t0018
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "t0019"
down_revision = "t0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("round_member", sa.Column("organ_id", sa.BigInteger, nullable=True))


def downgrade() -> None:
    op.drop_column("round_member", "organ_id")
