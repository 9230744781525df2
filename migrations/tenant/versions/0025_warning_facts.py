"""The facts 盐城's warnings need (issue 22): on staff records the birth year (from the 身份证号),
post type, education and 编外 category (a 编外 person has no 编制类别); on units the internal
bodies the 三定 approves, each body's 领导职数 and leaders, and the 三定 document (文号, date).
A warning's subject may now be an internal body's name.

Every new column is nullable or defaulted: existing rows keep working. Downgrading fails while
a 编外 person is on record (the old table requires a 编制类别), as it should.

Revision ID: t0025
Revises: t0024
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "t0025"
down_revision = "t0024"
branch_labels = None
depends_on = None

POST_TYPES = "'行政岗位', '机关工勤岗位', '管理岗位', '专业技术岗位', '工勤技能岗位'"
EDUCATIONS = "'研究生', '大学本科', '大专', '中专及以下'"
OFF_ROLL = "'编外聘用', '政府购买服务', '劳务派遣'"


def upgrade() -> None:
    op.add_column("staff_record", sa.Column("birth_year", sa.SmallInteger, nullable=True))
    op.add_column("staff_record", sa.Column("post_type", sa.String(16), nullable=True))
    op.add_column("staff_record", sa.Column("education", sa.String(16), nullable=True))
    op.add_column("staff_record", sa.Column("off_roll", sa.String(16), nullable=True))
    op.alter_column("staff_record", "category", nullable=True)
    op.create_check_constraint("staff_record_roll", "staff_record", "(category IS NULL) <> (off_roll IS NULL)")
    op.create_check_constraint("staff_record_post_type", "staff_record", f"post_type IN ({POST_TYPES})")
    op.create_check_constraint("staff_record_education", "staff_record", f"education IN ({EDUCATIONS})")
    op.create_check_constraint("staff_record_off_roll", "staff_record", f"off_roll IN ({OFF_ROLL})")
    op.add_column("inspected_unit", sa.Column("approved_internal_bodies", sa.Integer, nullable=True))
    op.add_column("inspected_unit", sa.Column("body_leader_posts", JSONB, nullable=False, server_default="{}"))
    op.add_column("inspected_unit", sa.Column("body_leaders", JSONB, nullable=False, server_default="{}"))
    op.add_column("inspected_unit", sa.Column("mandate_number", sa.String(64), nullable=True))
    op.add_column("inspected_unit", sa.Column("mandate_issued_on", sa.Date, nullable=True))
    op.alter_column("staffing_warning", "subject_key", type_=sa.String(64), existing_nullable=False, existing_server_default="")


def downgrade() -> None:
    op.alter_column("staffing_warning", "subject_key", type_=sa.String(16), existing_nullable=False, existing_server_default="")
    for column in ("mandate_issued_on", "mandate_number", "body_leaders", "body_leader_posts", "approved_internal_bodies"):
        op.drop_column("inspected_unit", column)
    for constraint in ("staff_record_off_roll", "staff_record_education", "staff_record_post_type", "staff_record_roll"):
        op.drop_constraint(constraint, "staff_record")
    op.alter_column("staff_record", "category", nullable=False)
    for column in ("off_roll", "education", "post_type", "birth_year"):
        op.drop_column("staff_record", column)
