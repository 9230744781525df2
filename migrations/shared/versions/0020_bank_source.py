"""The problem bank's rows carry their finding's source: a round, or a channel of 日常监督
(whose findings have no round, so no round id or kind).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A constant default: PostgreSQL adds the column without rewriting the rows.
    op.add_column("problem", sa.Column("source", sa.String(16), nullable=False, server_default="巡察检查"), schema="problem_bank")
    op.alter_column("problem", "round_id", nullable=True, schema="problem_bank")
    op.alter_column("problem", "round_kind", nullable=True, schema="problem_bank")


def downgrade() -> None:
    """Refused (by the NOT NULL) while the bank holds daily-supervision findings, as the tenants' downgrade is."""
    op.alter_column("problem", "round_kind", nullable=False, schema="problem_bank")
    op.alter_column("problem", "round_id", nullable=False, schema="problem_bank")
    op.drop_column("problem", "source", schema="problem_bank")
