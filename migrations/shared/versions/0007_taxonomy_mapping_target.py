"""Problem bank: a code of an older taxonomy edition maps to one code of the current edition.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_unique_constraint("taxonomy_mapping_one_target", "taxonomy_mapping", ["from_version", "from_code"], schema="problem_bank")


def downgrade() -> None:
    op.drop_constraint("taxonomy_mapping_one_target", "taxonomy_mapping", schema="problem_bank")
