"""A province's calendar of periodic rectification reports (backend/reporting/calendar.py): every
month, quarter or half-year, due some days after; provinces without a row report quarterly,
due ten days after. A report's period key widens to hold a month's (2026M03).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_calendar",
        sa.Column("province_code", sa.String(6), primary_key=True),
        sa.Column("cadence", sa.String(1), nullable=False),
        sa.Column("due_days", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("cadence IN ('M', 'Q', 'H')", name="report_calendar_cadence"),
        schema="supervision",
    )
    for table in ("report_up", "report_up_reminder"):  # room for a month's key, 2026M03
        op.alter_column(table, "period", type_=sa.String(8), existing_type=sa.String(6), schema="supervision")


def downgrade() -> None:
    """Refused (a value too long) while a monthly report exists."""
    for table in ("report_up", "report_up_reminder"):
        op.alter_column(table, "period", type_=sa.String(6), existing_type=sa.String(8), schema="supervision")
    op.drop_table("report_calendar", schema="supervision")
