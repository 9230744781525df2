"""Evidence files keep the name they were uploaded under, to be downloaded under it again.

Revision ID: t0010
Revises: t0009
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "t0010"
down_revision = "t0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("evidence_file", sa.Column("file_name", sa.String(128), nullable=True))


def downgrade() -> None:
    op.drop_column("evidence_file", "file_name")
