"""Late periodic rectification reports are reminded once per office and period.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_up_reminder",
        sa.Column("tenant_code", sa.String(6), primary_key=True),
        sa.Column("period", sa.String(6), primary_key=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="supervision",
    )


def downgrade() -> None:
    op.drop_table("report_up_reminder", schema="supervision")
