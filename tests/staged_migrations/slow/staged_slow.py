"""Staged: a migration slow enough to be killed half-way through a run.

Revision ID: staged_slow
"""

import sqlalchemy as sa
from alembic import op

from tests.staged_migrations import product_tenant_head

revision = "staged_slow"
down_revision = product_tenant_head()
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inspected_unit", sa.Column("note", sa.Text, nullable=True))
    op.execute("SELECT pg_sleep(0.3)")
    op.add_column("audit_event", sa.Column("note", sa.Text, nullable=True))


def downgrade() -> None:
    op.drop_column("audit_event", "note")
    op.drop_column("inspected_unit", "note")
