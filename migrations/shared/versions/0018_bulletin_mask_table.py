"""One mask table per bulletin: its person style, the names marked as not identifying, the table
used; the recipients' text is rendered on every edit, so a case's own place masks go.

Drafts composed before this revision show a notice instead of their recipients' text until
their next edit or submission renders it (rendering needs the application's knowledge of names).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("bulletin", sa.Column("person_style", sa.String(8), server_default="surname", nullable=False), schema="problem_bank")
    op.add_column("bulletin", sa.Column("masks", JSONB, server_default="[]", nullable=False), schema="problem_bank")
    op.add_column("bulletin", sa.Column("open_terms", JSONB, server_default="[]", nullable=False), schema="problem_bank")
    op.create_check_constraint("bulletin_person_style", "bulletin", "person_style IN ('surname', 'ordinal')", schema="problem_bank")
    op.drop_column("bulletin_case", "place_masks", schema="problem_bank")


def downgrade() -> None:
    op.add_column("bulletin_case", sa.Column("place_masks", JSONB, server_default="[]", nullable=False), schema="problem_bank")
    op.drop_constraint("bulletin_person_style", "bulletin", schema="problem_bank")
    for column in ("open_terms", "masks", "person_style"):
        op.drop_column("bulletin", column, schema="problem_bank")
