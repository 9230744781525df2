"""12310 reports (机构编制违规违纪举报): received without an account, triaged, verified and
answered by the region's 编办 or the organ it is referred to (backend/reports_12310/).

Revision ID: t0020
Revises: t0019
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "t0020"
down_revision = "t0019"
branch_labels = None
depends_on = None

STATES = ("待受理", "已受理", "不予受理", "已核查", "已办结", "已转办")


def upgrade() -> None:
    op.create_table(
        "report_12310",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("query_digest", sa.LargeBinary, nullable=False),
        sa.Column("reported_unit", sa.String(100), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("reporter_name", sa.String(50), nullable=True),
        sa.Column("reporter_contact", sa.String(100), nullable=True),
        sa.Column(
            "handling_organ_id", sa.BigInteger, nullable=False
        ),  # tenancy.organ (no key across schemas: the shared stream stays downgradable)
        sa.Column("state", sa.String(8), nullable=False, server_default=STATES[0]),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("verification", sa.Text, nullable=True),
        sa.Column("public_answer", sa.Text, nullable=True),
        sa.Column("transferred_to", sa.String(6), nullable=True),
        sa.Column("transferred_from", sa.String(6), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN (" + ", ".join(f"'{s}'" for s in STATES) + ")", name="report_12310_state"),
        sa.CheckConstraint("(state = '已转办') = (transferred_to IS NOT NULL)", name="report_12310_transferred_to"),
    )
    op.create_index("report_12310_digest_idx", "report_12310", ["query_digest"])
    op.create_index("report_12310_state_idx", "report_12310", ["state", "id"])
    op.create_table(
        "report_12310_event",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("report_12310.id"), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(8), nullable=False),
        sa.Column("to_state", sa.String(8), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("report_12310_event_report_idx", "report_12310_event", ["report_id", "id"])


def downgrade() -> None:
    op.drop_table("report_12310_event")
    op.drop_table("report_12310")
