"""Accountability cases (追责问责): the case, the findings it is about (problem-bank keys),
and the measures taken.

Revision ID: t0008
Revises: t0007
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "t0008"
down_revision = "t0007"
branch_labels = None
depends_on = None

STATES = "('立案', '调查核实', '拟处理', '决定', '执行', '结案', '撤销')"
MEASURES = "('约谈', '电话提醒', '通报批评', '函告', '移交纪检监察机关', '冻结机构编制调整事项', '锁定实名制账户', '责令整改', '组织处理')"


def upgrade() -> None:
    op.create_table(
        "accountability_case",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("subject_tenant_code", sa.String(6), nullable=False),
        sa.Column("subject_unit_id", sa.BigInteger, nullable=False),
        sa.Column("subject_unit_name", sa.String(128), nullable=False),
        sa.Column("subject_credit_code", sa.String(18), nullable=False),
        sa.Column("leader_name", sa.String(64), nullable=True),
        sa.Column("leader_post", sa.String(64), nullable=True),
        sa.Column("leader_rank", sa.String(8), nullable=True),
        sa.Column("state", sa.String(8), nullable=False, server_default="立案"),
        sa.Column("proposal", sa.Text, nullable=True),
        sa.Column("decision", sa.Text, nullable=True),
        sa.Column("conclusion", sa.Text, nullable=True),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint(f"state IN {STATES}", name="accountability_case_state"),
        sa.CheckConstraint("(leader_name IS NULL) = (leader_post IS NULL)", name="accountability_case_leader"),
    )
    op.create_index("accountability_case_subject_idx", "accountability_case", ["subject_tenant_code", "subject_unit_id", "id"])
    op.create_table(
        "case_finding",
        sa.Column("case_id", sa.BigInteger, sa.ForeignKey("accountability_case.id"), primary_key=True),
        sa.Column("tenant_code", sa.String(6), primary_key=True),
        sa.Column("finding_id", sa.BigInteger, primary_key=True),
    )
    op.create_index("case_finding_bank_idx", "case_finding", ["tenant_code", "finding_id"])
    op.create_table(
        "case_measure",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("case_id", sa.BigInteger, sa.ForeignKey("accountability_case.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("attendees", JSONB, nullable=False, server_default="[]"),
        sa.Column("minutes", sa.Text, nullable=True),
        sa.Column("restriction_id", sa.BigInteger, nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(f"kind IN {MEASURES}", name="case_measure_kind"),
    )
    op.create_index("case_measure_case_idx", "case_measure", ["case_id", "id"])


def downgrade() -> None:
    op.drop_table("case_measure")
    op.drop_table("case_finding")
    op.drop_table("accountability_case")
