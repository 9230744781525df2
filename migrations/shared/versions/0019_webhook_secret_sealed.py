"""Webhook signing secrets are sealed at rest (backend/notifications/sealing.py): the column
widens to hold the sealed form. Sealing the rows needs the deployment's secret key, which a
migration does not have: `xuncha db upgrade` seals them right after the shared migrations.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("webhook", "secret", type_=sa.Text, existing_type=sa.String(128), schema="notify")


def downgrade() -> None:
    """The column stays wide: sealed secrets do not fit the old width and are not thrown away.
    Code before this revision cannot unseal them: set the secrets again after a downgrade."""
