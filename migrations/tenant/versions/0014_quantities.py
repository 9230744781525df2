"""整改量化指标: a ledger entry's planned and achieved quantities per kind (消化超编 N 人…), and
the planned ones of a 整改方案's task.

Revision ID: t0014
Revises: t0013
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "t0014"
down_revision = "t0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ledger_entry", sa.Column("quantities", JSONB, nullable=False, server_default="{}"))
    op.add_column("rectification_task", sa.Column("quantities", JSONB, nullable=False, server_default="{}"))


def downgrade() -> None:
    op.drop_column("rectification_task", "quantities")
    op.drop_column("ledger_entry", "quantities")
