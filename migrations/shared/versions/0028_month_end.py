"""Month-end figures of the problem bank per office (problem_bank/trends.py).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "month_end",
        sa.Column("tenant_code", sa.String(6), primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("province_code", sa.String(6), nullable=False),
        sa.Column("city_code", sa.String(6), nullable=True),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("awaiting_close_out", sa.Integer, nullable=False),
        sa.Column("closed", sa.Integer, nullable=False),
        sa.Column("overdue", sa.Integer, nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="problem_bank",
    )
    op.create_index("month_end_province_idx", "month_end", ["province_code", "month"], schema="problem_bank")
    op.create_index("month_end_city_idx", "month_end", ["city_code", "month"], schema="problem_bank")


def downgrade() -> None:
    op.drop_table("month_end", schema="problem_bank")
