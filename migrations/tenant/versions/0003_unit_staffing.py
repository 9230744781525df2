"""Inspected units get their type list, 三定 data, actual staffing and a version.

Revision ID: t0003
Revises: t0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "t0003"
down_revision = "t0002"
branch_labels = None
depends_on = None

UNIT_TYPES = (
    "党的机关",
    "人大机关",
    "政府机关",
    "政协机关",
    "监察机关",
    "审判机关",
    "检察机关",
    "群团机关",
    "民主党派和工商联机关",
    "事业单位",
)


def upgrade() -> None:
    types = ", ".join(f"'{t}'" for t in UNIT_TYPES)
    op.create_check_constraint("inspected_unit_type", "inspected_unit", f"unit_type IN ({types})")
    # 三定 (定职能、定机构、定编制): approved staffing by category, leadership posts by rank,
    # internal bodies; and the actual headcount and posts as of a date.
    op.add_column("inspected_unit", sa.Column("approved_staffing", JSONB, nullable=False, server_default="{}"))
    op.add_column("inspected_unit", sa.Column("leadership_posts", JSONB, nullable=False, server_default="{}"))
    op.add_column("inspected_unit", sa.Column("internal_bodies", JSONB, nullable=False, server_default="[]"))
    op.add_column("inspected_unit", sa.Column("actual_staffing", JSONB, nullable=False, server_default="{}"))
    op.add_column("inspected_unit", sa.Column("actual_posts", JSONB, nullable=False, server_default="{}"))
    op.add_column("inspected_unit", sa.Column("actual_as_of", sa.Date, nullable=True))
    op.add_column("inspected_unit", sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    op.add_column("inspected_unit", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()))


def downgrade() -> None:
    for column in (
        "updated_at",
        "version",
        "actual_as_of",
        "actual_posts",
        "actual_staffing",
        "internal_bodies",
        "leadership_posts",
        "approved_staffing",
    ):
        op.drop_column("inspected_unit", column)
    op.drop_constraint("inspected_unit_type", "inspected_unit")
