"""立行立改: a draft records the unit's report of its fix (with files) and the team member who
confirmed it (backend/drafts/workflow.py).

Revision ID: t0018
Revises: t0017
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "t0018"
down_revision = "t0017"
branch_labels = None
depends_on = None

COLUMNS = (
    sa.Column("fix_note", sa.Text, nullable=True),
    sa.Column("fix_evidence", JSONB, nullable=False, server_default="[]"),
    sa.Column("fixed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("fix_confirmed_by", sa.String(64), nullable=True),
)


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("finding_draft", column)


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_column("finding_draft", column.name)
