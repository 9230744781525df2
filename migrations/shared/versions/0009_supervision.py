"""Supervision (督办): working-day calendar, reminders sent, escalations and their actions.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA supervision")
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("is_workday", sa.Boolean, nullable=False),
        sa.Column("note", sa.String(64), nullable=False, server_default=""),
        schema="supervision",
    )
    op.create_table(
        "reminder",
        sa.Column("tenant_code", sa.String(6), primary_key=True),
        sa.Column("finding_id", sa.BigInteger, primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("deadline", sa.Date, primary_key=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('near', 'overdue')", name="reminder_kind"),
        schema="supervision",
    )
    op.create_table(
        "escalation",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=False),
        sa.Column("rung", sa.Integer, nullable=False),
        sa.Column("escalated_to", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=False),
        sa.Column("overdue_at_opening", sa.Integer, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_note", sa.Text, nullable=True),
        sa.CheckConstraint("rung IN (1, 2)", name="escalation_rung"),
        schema="supervision",
    )
    op.execute("CREATE UNIQUE INDEX escalation_open_once ON supervision.escalation (tenant_code, rung) WHERE closed_at IS NULL")
    op.create_index("escalation_to_idx", "escalation", ["escalated_to", "id"], schema="supervision")
    op.create_table(
        "escalation_action",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("escalation_id", sa.BigInteger, sa.ForeignKey("supervision.escalation.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('电话提醒', '约谈建议')", name="escalation_action_kind"),
        schema="supervision",
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA supervision CASCADE")
