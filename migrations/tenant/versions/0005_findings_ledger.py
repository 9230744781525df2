"""Findings (问题), their rectification ledger entries (整改台账), the ledger's history with
evidence files, and deadline extension requests.

A finding's `code` (问题编号) is what an Excel import is idempotent on; when none is given a
trigger numbers it `WT` + its id. The function is found by the trigger's OID, so renaming a
spare schema does not break it.

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

DEFAULT_CODE = """
CREATE FUNCTION finding_default_code() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.code IS NULL THEN
        NEW.code := 'WT' || lpad(NEW.id::text, 6, '0');
    END IF;
    RETURN NEW;
END $$
"""


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "finding",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
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
        _created_at(),
        sa.CheckConstraint("severity IN ('一般', '较重', '严重')", name="finding_severity"),
    )
    op.create_index("finding_round_idx", "finding", ["round_id", "id"])
    op.create_index("finding_unit_idx", "finding", ["unit_id", "id"])
    op.create_index("finding_taxonomy_idx", "finding", ["taxonomy_code", "id"])
    op.execute(DEFAULT_CODE)
    op.execute("CREATE TRIGGER finding_default_code BEFORE INSERT ON finding FOR EACH ROW EXECUTE FUNCTION finding_default_code()")
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("finding_id", sa.BigInteger, sa.ForeignKey("finding.id"), nullable=False, unique=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("responsible_unit", sa.String(128), nullable=False),
        sa.Column("responsible_person", sa.String(64), nullable=True),
        sa.Column("measures", sa.Text, nullable=True),
        sa.Column("close_note", sa.Text, nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        _created_at(),
        sa.CheckConstraint("state IN ('挂号', '整改中', '申请销号', '已销号')", name="ledger_entry_state"),
        sa.CheckConstraint("(state = '已销号') = (closed_at IS NOT NULL)", name="ledger_entry_closed_at"),
    )
    op.create_index("ledger_entry_open_deadline_idx", "ledger_entry", ["deadline"], postgresql_where=sa.text("state <> '已销号'"))
    op.create_index("ledger_entry_state_idx", "ledger_entry", ["state", "finding_id"])
    op.create_table(
        "evidence_file",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("uploaded_by", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content_type", sa.String(80), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "ledger_event",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("finding_id", sa.BigInteger, sa.ForeignKey("finding.id"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_state", sa.String(8), nullable=False),
        sa.Column("to_state", sa.String(8), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ledger_event_finding_idx", "ledger_event", ["finding_id", "id"])
    op.create_table(
        "event_evidence",
        sa.Column("event_id", sa.BigInteger, sa.ForeignKey("ledger_event.id"), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("file_name", sa.String(128), nullable=False),
    )
    op.create_index("event_evidence_sha256_idx", "event_evidence", ["sha256"])
    op.create_table(
        "extension_request",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("finding_id", sa.BigInteger, sa.ForeignKey("finding.id"), nullable=False),
        sa.Column("requested_deadline", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("state", sa.String(8), nullable=False, server_default="待审批"),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text, nullable=True),
        sa.CheckConstraint("state IN ('待审批', '已批准', '已驳回')", name="extension_request_state"),
    )
    op.create_index("extension_request_finding_idx", "extension_request", ["finding_id", "id"])
    # At most one pending request per finding.
    op.create_index(
        "extension_request_pending_key", "extension_request", ["finding_id"], unique=True, postgresql_where=sa.text("state = '待审批'")
    )


def downgrade() -> None:
    op.drop_table("extension_request")
    op.drop_table("event_evidence")
    op.drop_table("ledger_event")
    op.drop_table("evidence_file")
    op.drop_table("ledger_entry")
    op.execute("DROP TRIGGER finding_default_code ON finding")
    op.drop_table("finding")
    op.execute("DROP FUNCTION finding_default_code()")
