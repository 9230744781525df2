"""整改量化指标: the kinds (national ones seeded; a province adds its own) and the bank rows'
planned and achieved quantities.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

NATIONAL = (("消化超编", "人"), ("收回编制", "名"), ("清理超职数", "名"), ("撤并机构", "个"), ("建章立制", "项"))


def upgrade() -> None:
    kinds = op.create_table(
        "quantity_kind",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("province_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=True),
        sa.Column("name", sa.String(16), nullable=False),
        sa.Column("unit", sa.String(4), nullable=False),
        sa.UniqueConstraint("province_code", "name", name="quantity_kind_key", postgresql_nulls_not_distinct=True),
        schema="problem_bank",
    )
    op.bulk_insert(kinds, [{"name": name, "unit": unit} for name, unit in NATIONAL])
    op.add_column("problem", sa.Column("quantities", JSONB, nullable=False, server_default="{}"), schema="problem_bank")


def downgrade() -> None:
    op.drop_column("problem", "quantities", schema="problem_bank")
    op.drop_table("quantity_kind", schema="problem_bank")
