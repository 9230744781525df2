"""Organs of a region (tenants/organs.py): every tenant gets its 编办, and every membership —
all of them were the office's until now — moves into it.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from tenants.divisions import Level
from tenants.organs import KINDS_SQL, office_values

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organ",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("short_name", sa.String(32), nullable=False),
        sa.Column("document_code", sa.String(16), nullable=False),
        sa.Column("signature_name", sa.String(100), nullable=False),
        sa.Column("parent_organ_id", sa.BigInteger, sa.ForeignKey("tenancy.organ.id"), nullable=True),
        sa.Column("shares_office_data", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("tenant_code", "name", name="organ_name_key"),
        sa.CheckConstraint(f"kind IN ({KINDS_SQL})", name="organ_kind"),
        sa.CheckConstraint("(kind = '巡察组') = (parent_organ_id IS NOT NULL)", name="organ_team_under_office"),
        sa.CheckConstraint("kind <> '编办' OR NOT shares_office_data", name="organ_office_owns_its_data"),
        schema="tenancy",
    )
    op.create_index(
        "organ_one_office_key", "organ", ["tenant_code"], unique=True, schema="tenancy", postgresql_where=sa.text("kind = '编办'")
    )
    organ = sa.table(
        "organ",
        *(sa.column(name) for name in ("tenant_code", "kind", "name", "short_name", "document_code", "signature_name")),
        schema="tenancy",
    )
    bind = op.get_bind()
    tenants = bind.execute(sa.text("SELECT code, name, level FROM tenancy.tenant")).all()
    offices = [office_values(code, name, Level(level)) for code, name, level in tenants]
    if offices:
        op.bulk_insert(organ, offices)
    op.add_column("membership", sa.Column("organ_id", sa.BigInteger, sa.ForeignKey("tenancy.organ.id"), nullable=True), schema="identity")
    op.execute(
        "UPDATE identity.membership m SET organ_id = o.id FROM tenancy.organ o WHERE o.tenant_code = m.tenant_code AND o.kind = '编办'"
    )
    op.alter_column("membership", "organ_id", nullable=False, schema="identity")
    op.drop_index("membership_grant_key", "membership", schema="identity")
    op.create_index(
        "membership_grant_key",
        "membership",
        ["user_id", "organ_id", "role", sa.text("coalesce(unit_id, 0)")],
        unique=True,
        schema="identity",
    )
    op.create_index("membership_organ_idx", "membership", ["organ_id"], schema="identity")


def downgrade() -> None:
    op.drop_index("membership_organ_idx", "membership", schema="identity")
    op.drop_index("membership_grant_key", "membership", schema="identity")
    op.execute("DELETE FROM identity.membership m USING tenancy.organ o WHERE o.id = m.organ_id AND o.kind <> '编办'")
    op.create_index(
        "membership_grant_key",
        "membership",
        ["user_id", "tenant_code", "role", sa.text("coalesce(unit_id, 0)")],
        unique=True,
        schema="identity",
    )
    op.drop_column("membership", "organ_id", schema="identity")
    op.drop_table("organ", schema="tenancy")
