"""Correspondence between organs (公文往来, backend/correspondence/): documents, their recipients
with each one's handling, a 函请's items, and the counters of gapless document numbers.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

KINDS = "'函请', '巡前通报', '移交', '通知', '复函'"
STATES = "'已发送', '已签收', '办理中', '已办结', '已退回'"


def upgrade() -> None:
    op.execute("CREATE SCHEMA correspondence")
    op.create_table(
        "document",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("sender_organ_id", sa.BigInteger, sa.ForeignKey("tenancy.organ.id"), nullable=False),
        sa.Column("sender_tenant_code", sa.String(6), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("document_number", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("sensitivity", sa.String(4), nullable=False, server_default="内部"),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("replies_to_id", sa.BigInteger, sa.ForeignKey("correspondence.document.id"), nullable=True),
        sa.Column("concerns", sa.String(64), nullable=True),
        sa.Column("joint_organ_ids", ARRAY(sa.BigInteger), nullable=False, server_default="{}"),
        sa.Column("sent_by", sa.String(64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("sender_organ_id", "kind", "year", "number", name="document_number_key"),
        sa.CheckConstraint(f"kind IN ({KINDS})", name="document_kind"),
        sa.CheckConstraint("(kind = '复函') = (replies_to_id IS NOT NULL)", name="document_reply_answers"),
        sa.CheckConstraint("sensitivity IN ('公开', '内部', '敏感')", name="document_sensitivity"),
        schema="correspondence",
    )
    op.create_index("document_sender_idx", "document", ["sender_organ_id", "id"], schema="correspondence")
    op.create_table(
        "document_item",
        sa.Column("document_id", sa.BigInteger, sa.ForeignKey("correspondence.document.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("request", sa.String(500), nullable=False),
        sa.Column("answer", sa.Text, nullable=True),
        sa.Column("answered_by", sa.String(64), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        schema="correspondence",
    )
    op.create_table(
        "recipient",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("document_id", sa.BigInteger, sa.ForeignKey("correspondence.document.id"), nullable=False),
        sa.Column("organ_id", sa.BigInteger, sa.ForeignKey("tenancy.organ.id"), nullable=False),
        sa.Column("tenant_code", sa.String(6), nullable=False),
        sa.Column("copy", sa.String(4), nullable=False),
        sa.Column("state", sa.String(4), nullable=False, server_default="已发送"),
        sa.Column("signed_by", sa.String(64), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("answer_id", sa.BigInteger, sa.ForeignKey("correspondence.document.id"), nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("determination", sa.String(8), nullable=True),
        sa.Column("finding_id", sa.BigInteger, nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("document_id", "organ_id", name="recipient_once_key"),
        sa.CheckConstraint("determination IS NULL OR determination IN ('认定属实', '不予认定')", name="recipient_determination"),
        sa.CheckConstraint("(determination = '认定属实') = (finding_id IS NOT NULL)", name="recipient_confirmed_finding"),
        sa.CheckConstraint("copy IN ('主送', '抄送')", name="recipient_copy"),
        sa.CheckConstraint(f"state IN ({STATES})", name="recipient_state"),
        schema="correspondence",
    )
    op.create_index("recipient_inbox_idx", "recipient", ["organ_id", "document_id"], schema="correspondence")
    op.create_table(
        "counter",
        sa.Column("organ_id", sa.BigInteger, sa.ForeignKey("tenancy.organ.id"), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
        schema="correspondence",
    )

    op.create_table(
        "joint_draft",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("lead_organ_id", sa.BigInteger, sa.ForeignKey("tenancy.organ.id"), nullable=False),
        sa.Column("draft", JSONB, nullable=False),
        sa.Column("state", sa.String(4), nullable=False, server_default="待会签"),
        sa.Column("document_id", sa.BigInteger, sa.ForeignKey("correspondence.document.id"), nullable=True),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("state IN ('待会签', '已发文')", name="joint_draft_state"),
        schema="correspondence",
    )
    op.create_table(
        "joint_approval",
        sa.Column("draft_id", sa.BigInteger, sa.ForeignKey("correspondence.joint_draft.id"), primary_key=True),
        sa.Column("organ_id", sa.BigInteger, sa.ForeignKey("tenancy.organ.id"), primary_key=True),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        schema="correspondence",
    )
    op.create_table(
        "organ_file",
        sa.Column("organ_id", sa.BigInteger, sa.ForeignKey("tenancy.organ.id"), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("file_name", sa.String(128), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content_type", sa.String(128), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="correspondence",
    )
    op.create_table(
        "document_attachment",
        sa.Column("document_id", sa.BigInteger, sa.ForeignKey("correspondence.document.id"), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("file_name", sa.String(128), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content_type", sa.String(128), nullable=False),
        schema="correspondence",
    )
    op.create_index("ix_correspondence_joint_approval_organ_id", "joint_approval", ["organ_id"], schema="correspondence")


def downgrade() -> None:
    op.execute("DROP SCHEMA correspondence CASCADE")
