"""Problem bank: typical-case bulletins (典型案例通报), their cases, scope, recipients and read
receipts, the per-office yearly counter that numbers them, and the shared typical-case library
(cases marked shared).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

STATES = "('草稿', '待审核', '已审核', '已发布', '已撤回')"


def upgrade() -> None:
    op.create_table(
        "bulletin_counter",
        sa.Column("publisher_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
        schema="problem_bank",
    )
    op.create_table(
        "bulletin",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("publisher_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=False),
        sa.Column("state", sa.String(8), nullable=False, server_default="草稿"),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("preface", sa.Text, nullable=False),
        sa.Column("whole_subtree", sa.Boolean, nullable=False),
        sa.Column("year", sa.Integer, nullable=True),
        sa.Column("number", sa.Integer, nullable=True),
        sa.Column("published_title", sa.String(200), nullable=True),
        sa.Column("published_preface", sa.Text, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("published_by", sa.String(64), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint(f"state IN {STATES}", name="bulletin_state"),
        sa.CheckConstraint("(number IS NULL) = (published_at IS NULL)", name="bulletin_numbered_when_published"),
        sa.UniqueConstraint("publisher_code", "year", "number", name="bulletin_number"),
        schema="problem_bank",
    )
    op.create_index("bulletin_publisher_idx", "bulletin", ["publisher_code", "id"], schema="problem_bank")
    op.create_table(
        "bulletin_scope_office",
        sa.Column("bulletin_id", sa.BigInteger, sa.ForeignKey("problem_bank.bulletin.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("office_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), primary_key=True),
        schema="problem_bank",
    )
    op.create_table(
        "bulletin_case",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("bulletin_id", sa.BigInteger, sa.ForeignKey("problem_bank.bulletin.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("source_kind", sa.String(24), nullable=False),
        sa.Column("source_tenant_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=False),
        sa.Column("source_id", sa.BigInteger, nullable=False),
        sa.Column("taxonomy_code", sa.String(24), nullable=True),
        sa.Column("unit_name", sa.String(128), nullable=False),
        sa.Column("unit_placeholder", sa.String(32), nullable=False),
        sa.Column("place_masks", JSONB, nullable=False, server_default="[]"),
        sa.Column("persons", JSONB, nullable=False, server_default="[]"),
        sa.Column("aliases", JSONB, nullable=False, server_default="[]"),
        sa.Column("deidentified", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("handling", sa.Text, nullable=False),
        sa.Column("published_unit", sa.String(128), nullable=True),
        sa.Column("published_title", sa.String(200), nullable=True),
        sa.Column("published_facts", sa.Text, nullable=True),
        sa.Column("published_handling", sa.Text, nullable=True),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shared_by", sa.String(64), nullable=True),
        # 'accountability_case' joins when accountability cases are merged (see problem_bank.models.BulletinCase).
        sa.CheckConstraint("source_kind IN ('problem', 'accountability_case')", name="bulletin_case_source_kind"),
        sa.CheckConstraint("shared_at IS NULL OR (deidentified AND published_facts IS NOT NULL)", name="bulletin_case_shared_deidentified"),
        schema="problem_bank",
    )
    op.create_index("bulletin_case_bulletin_idx", "bulletin_case", ["bulletin_id", "position"], schema="problem_bank")
    op.create_index(
        "bulletin_case_shared_idx",
        "bulletin_case",
        [sa.text("id DESC")],
        schema="problem_bank",
        postgresql_where=sa.text("shared_at IS NOT NULL"),
    )
    op.create_table(
        "bulletin_recipient",
        sa.Column("bulletin_id", sa.BigInteger, sa.ForeignKey("problem_bank.bulletin.id"), primary_key=True),
        sa.Column("office_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), primary_key=True),
        sa.Column("office_name", sa.String(64), nullable=False),
        schema="problem_bank",
    )
    op.create_index("bulletin_recipient_office_idx", "bulletin_recipient", ["office_code", "bulletin_id"], schema="problem_bank")
    op.create_table(
        "bulletin_read",
        sa.Column("bulletin_id", sa.BigInteger, primary_key=True),
        sa.Column("office_code", sa.String(6), primary_key=True),
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.ForeignKeyConstraint(
            ["bulletin_id", "office_code"], ["problem_bank.bulletin_recipient.bulletin_id", "problem_bank.bulletin_recipient.office_code"]
        ),
        schema="problem_bank",
    )


def downgrade() -> None:
    for table in ("bulletin_read", "bulletin_recipient", "bulletin_case", "bulletin_scope_office", "bulletin", "bulletin_counter"):
        op.drop_table(table, schema="problem_bank")
