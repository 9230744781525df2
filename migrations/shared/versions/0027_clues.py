"""问题线索 (backend/clues/): clues, the organs that see each, and each clue's history.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA clues")
    op.create_table(
        "clue",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_code", sa.String(6), nullable=False),
        sa.Column("registered_by_organ_id", sa.BigInteger, sa.ForeignKey("tenancy.organ.id"), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("subject_kind", sa.String(4), nullable=False),
        sa.Column("subject_name", sa.String(100), nullable=False),
        sa.Column("unit_id", sa.BigInteger, nullable=True),
        sa.Column("round_id", sa.BigInteger, nullable=True),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("sensitivity", sa.String(4), nullable=False, server_default="敏感"),
        sa.Column("state", sa.String(4), nullable=False, server_default="已登记"),
        sa.Column("handling_organ_id", sa.BigInteger, sa.ForeignKey("tenancy.organ.id"), nullable=True),
        sa.Column("handover_id", sa.BigInteger, sa.ForeignKey("correspondence.document.id"), nullable=True),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("result", sa.String(8), nullable=True),
        sa.Column("registered_by", sa.String(64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("source IN ('巡察', '审计移送', '信访举报', '12310举报', '日常监督')", name="clue_source"),
        sa.CheckConstraint("subject_kind IN ('单位', '个人')", name="clue_subject_kind"),
        sa.CheckConstraint("state IN ('已登记', '已移交', '办理中', '已办结')", name="clue_state"),
        sa.CheckConstraint("result IS NULL OR result IN ('初步核实', '立案', '处分', '组织处理', '了结', '不予立案')", name="clue_result"),
        sa.CheckConstraint("sensitivity IN ('公开', '内部', '敏感')", name="clue_sensitivity"),
        schema="clues",
    )
    op.create_index("clue_tenant_idx", "clue", ["tenant_code", "id"], schema="clues")
    op.create_table(
        "clue_organ",
        sa.Column("clue_id", sa.BigInteger, sa.ForeignKey("clues.clue.id"), primary_key=True),
        sa.Column("organ_id", sa.BigInteger, sa.ForeignKey("tenancy.organ.id"), primary_key=True),
        schema="clues",
    )
    op.create_index("ix_clues_clue_organ_organ_id", "clue_organ", ["organ_id"], schema="clues")
    op.create_table(
        "clue_event",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("clue_id", sa.BigInteger, sa.ForeignKey("clues.clue.id"), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("from_state", sa.String(4), nullable=False),
        sa.Column("to_state", sa.String(4), nullable=False),
        sa.Column("result", sa.String(8), nullable=True),
        sa.Column("organ_id", sa.BigInteger, sa.ForeignKey("tenancy.organ.id"), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="clues",
    )
    op.create_index("ix_clues_clue_event_clue_id", "clue_event", ["clue_id"], schema="clues")


def downgrade() -> None:
    op.execute("DROP SCHEMA clues CASCADE")
