"""Accountability (追责问责), shared part: the bank's register of inspected units (so a unit is
found by its credit code across tenants), filled from the units already registered; and the
freezes and locks on units (supervision.unit_restriction).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Every tenant schema that has units already (spares have none; a schema not yet built is skipped).
BACKFILL = """
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT code, schema_name FROM tenancy.tenant LOOP
        IF to_regclass(format('%I.inspected_unit', t.schema_name)) IS NOT NULL THEN
            EXECUTE format('INSERT INTO problem_bank.unit (tenant_code, unit_id, credit_code, name, unit_type)
                            SELECT %L, id, credit_code, name, unit_type FROM %I.inspected_unit', t.code, t.schema_name);
        END IF;
    END LOOP;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "unit",
        sa.Column("tenant_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), primary_key=True),
        sa.Column("unit_id", sa.BigInteger, primary_key=True),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("unit_type", sa.String(32), nullable=False),
        schema="problem_bank",
    )
    op.create_index("unit_credit_code_idx", "unit", ["credit_code"], schema="problem_bank")
    op.execute(BACKFILL)
    op.create_table(
        "unit_restriction",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=False),
        sa.Column("unit_id", sa.BigInteger, nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("unit_name", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("imposed_by_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=False),
        sa.Column("case_id", sa.BigInteger, nullable=False),
        sa.Column("measure_id", sa.BigInteger, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("lift_conditions", sa.Text, nullable=False),
        sa.Column("imposed_by", sa.String(64), nullable=False),
        sa.Column("imposed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(64), nullable=True),
        sa.Column("lift_note", sa.Text, nullable=True),
        sa.CheckConstraint("kind IN ('冻结机构编制调整事项', '锁定实名制账户')", name="unit_restriction_kind"),
        sa.CheckConstraint("(lifted_at IS NULL) = (lifted_by IS NULL)", name="unit_restriction_lifted"),
        schema="supervision",
    )
    op.create_index(
        "unit_restriction_active_key",
        "unit_restriction",
        ["tenant_code", "unit_id", "kind"],
        unique=True,
        postgresql_where=sa.text("lifted_at IS NULL"),
        schema="supervision",
    )
    op.create_index("unit_restriction_unit_idx", "unit_restriction", ["tenant_code", "unit_id"], schema="supervision")


def downgrade() -> None:
    op.drop_table("unit_restriction", schema="supervision")
    op.drop_table("unit", schema="problem_bank")
