"""The problem bank's rows carry their finding's sensitivity marking (backend/sensitivity.py): every
finding was 内部 until markings existed (tenant migration t0015), so that is the default.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("problem", sa.Column("sensitivity", sa.String(4), nullable=False, server_default="内部"), schema="problem_bank")


def downgrade() -> None:
    op.drop_column("problem", "sensitivity", schema="problem_bank")
