"""Findings (问题) and their rectification ledger entries (整改台账).

Revision ID: t0005
Revises: t0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "t0005"
down_revision = "t0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finding",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=False),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), nullable=False),
        sa.Column("taxonomy_code", sa.String(16), nullable=False),
        sa.Column("taxonomy_version", sa.String(16), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("evidence_sources", JSONB, nullable=False, server_default="[]"),
        sa.Column("severity", sa.String(8), nullable=False),
        # 即知即改: fixed on the spot, its ledger entry closes at once.
        sa.Column("fixed_on_spot", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("found_on", sa.Date, nullable=False),
        sa.Column("found_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("severity IN ('一般', '较重', '严重')", name="finding_severity"),
    )
    op.create_index("finding_round_idx", "finding", ["round_id", "id"])
    op.create_index("finding_unit_idx", "finding", ["unit_id", "id"])
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("finding_id", sa.BigInteger, sa.ForeignKey("finding.id"), nullable=False, unique=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("responsible_person", sa.String(64), nullable=True),
        sa.Column("measures", sa.Text, nullable=True),
        sa.Column("close_note", sa.Text, nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("state IN ('挂号', '整改中', '申请销号', '已销号')", name="ledger_entry_state"),
        sa.CheckConstraint("(state = '已销号') = (closed_at IS NOT NULL)", name="ledger_entry_closed_at"),
    )
    op.create_index("ledger_entry_open_deadline_idx", "ledger_entry", ["deadline"], postgresql_where=sa.text("state <> '已销号'"))


def downgrade() -> None:
    op.drop_table("ledger_entry")
    op.drop_table("finding")
