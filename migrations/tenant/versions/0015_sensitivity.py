"""Sensitivity markings (公开 / 内部 / 敏感, backend/sensitivity.py) on findings and their drafts,
accountability cases, 函告 and evidence files. What exists is marked as an office would have
marked it: findings, drafts, 函告 and evidence 内部, accountability cases (about persons) 敏感.

Revision ID: t0015
Revises: t0014
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "t0015"
down_revision = "t0014"
branch_labels = None
depends_on = None

MARKED = {
    "finding": "内部",
    "finding_draft": "内部",
    "accountability_case": "敏感",
    "discipline_letter": "内部",
    "evidence_file": "内部",
}


def upgrade() -> None:
    for table, default in MARKED.items():
        # A constant default: PostgreSQL adds the column without rewriting the rows.
        op.add_column(table, sa.Column("sensitivity", sa.String(4), nullable=False, server_default=default))
        op.create_check_constraint(f"{table}_sensitivity", table, "sensitivity IN ('公开', '内部', '敏感')")


def downgrade() -> None:
    for table in MARKED:
        op.drop_constraint(f"{table}_sensitivity", table)
        op.drop_column(table, "sensitivity")
