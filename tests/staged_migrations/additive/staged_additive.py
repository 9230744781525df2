"""Staged: add a column and an index to three tables (the benchmark's additive migration).

Revision ID: staged_additive
"""

import sqlalchemy as sa
from alembic import op

from tests.staged_migrations import product_tenant_head

revision = "staged_additive"
down_revision = product_tenant_head()
branch_labels = None
depends_on = None

TABLES = ("inspected_unit", "inspection_round", "audit_event")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("note", sa.Text, nullable=True))
        op.create_index(f"{table}_note_idx", table, ["note"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"{table}_note_idx", table)
        op.drop_column(table, "note")
