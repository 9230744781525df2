"""Problem bank: problem lists (问题清单) pushed down to offices and units, with receipts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "problem_list",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("issuer_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=False),
        sa.Column("title", sa.String(128), nullable=False),
        sa.Column("taxonomy_code", sa.String(24), nullable=False),
        sa.Column("found_from", sa.Date, nullable=False),
        sa.Column("found_to", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("respond_by", sa.Date, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="problem_bank",
    )
    op.create_index("problem_list_issuer_idx", "problem_list", ["issuer_code", "id"], schema="problem_bank")
    op.create_table(
        "problem_list_item",
        sa.Column("list_id", sa.BigInteger, sa.ForeignKey("problem_bank.problem_list.id"), primary_key=True),
        sa.Column("tenant_code", sa.String(6), primary_key=True),
        sa.Column("finding_id", sa.BigInteger, primary_key=True),
        sa.ForeignKeyConstraint(["tenant_code", "finding_id"], ["problem_bank.problem.tenant_code", "problem_bank.problem.finding_id"]),
        schema="problem_bank",
    )
    op.create_table(
        "problem_list_receipt",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("list_id", sa.BigInteger, sa.ForeignKey("problem_bank.problem_list.id"), nullable=False),
        sa.Column("recipient_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=False),
        sa.Column("unit_id", sa.BigInteger, nullable=True),
        sa.Column("recipient_name", sa.String(128), nullable=False),
        sa.Column("state", sa.String(8), nullable=False, server_default="待签收"),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("nil_statement", sa.Text, nullable=True),
        sa.Column("nil_scan_sha256", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("state IN ('待签收', '已签收', '无此问题')", name="problem_list_receipt_state"),
        schema="problem_bank",
    )
    op.execute(
        "CREATE UNIQUE INDEX problem_list_receipt_once ON problem_bank.problem_list_receipt (list_id, recipient_code, coalesce(unit_id, 0))"
    )
    op.create_index("problem_list_receipt_recipient_idx", "problem_list_receipt", ["recipient_code", "list_id"], schema="problem_bank")


def downgrade() -> None:
    op.drop_table("problem_list_receipt", schema="problem_bank")
    op.drop_table("problem_list_item", schema="problem_bank")
    op.drop_table("problem_list", schema="problem_bank")
