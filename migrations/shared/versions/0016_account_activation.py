"""New accounts are activated by their owner with a one-time code: the creator never knows
the password.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("user_account", sa.Column("activation_hash", sa.LargeBinary, nullable=True), schema="identity")
    op.add_column("user_account", sa.Column("activation_expires_at", sa.DateTime(timezone=True), nullable=True), schema="identity")


def downgrade() -> None:
    op.drop_column("user_account", "activation_expires_at", schema="identity")
    op.drop_column("user_account", "activation_hash", schema="identity")
