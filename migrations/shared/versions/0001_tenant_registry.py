"""Tenant registry, spare-schema pool and the empty default search_path schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _for_this_role_and_database(setting: str) -> str:
    return f"""
        DO $$ BEGIN
          EXECUTE format('ALTER ROLE %I IN DATABASE %I {setting}', current_user, current_database());
        END $$
    """


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS no_tenant")
    # The app role's default search_path is the empty schema: an unscoped query fails loudly.
    op.execute(_for_this_role_and_database("SET search_path TO no_tenant"))
    op.create_table(
        "tenant",
        sa.Column("code", sa.String(6), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=True),
        sa.Column("province_code", sa.String(6), nullable=False),
        sa.Column("city_code", sa.String(6), nullable=True),
        sa.Column("schema_name", sa.String(16), nullable=False, unique=True),
        sa.Column("schema_version", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("code ~ '^[0-9]{6}$'", name="tenant_code_format"),
        sa.CheckConstraint("schema_name = 't' || code", name="tenant_schema_name_from_code"),
        sa.CheckConstraint("level IN ('province', 'city', 'county')", name="tenant_level"),
        sa.CheckConstraint("(level = 'province') = (parent_code IS NULL)", name="tenant_parent_by_level"),
        sa.CheckConstraint("status IN ('active', 'suspended')", name="tenant_status"),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 64", name="tenant_name_length"),
        schema="tenancy",
    )
    op.create_index("tenant_parent_idx", "tenant", ["parent_code"], schema="tenancy")
    op.create_index("tenant_province_idx", "tenant", ["province_code"], schema="tenancy")
    op.create_index("tenant_city_idx", "tenant", ["city_code"], schema="tenancy")
    op.create_table(
        "spare_schema",
        sa.Column("name", sa.String(16), primary_key=True),
        sa.Column("schema_version", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="tenancy",
    )
    op.execute("CREATE SEQUENCE tenancy.spare_schema_number")


def downgrade() -> None:
    op.execute("DROP SEQUENCE tenancy.spare_schema_number")
    op.drop_table("spare_schema", schema="tenancy")
    op.drop_table("tenant", schema="tenancy")
    op.execute(_for_this_role_and_database("RESET search_path"))
    op.execute("DROP SCHEMA no_tenant")
