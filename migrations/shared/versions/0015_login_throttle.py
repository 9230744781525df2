"""Failed logins counted per account and source address, not per account: strangers can no
longer lock a user (the platform superuser included) out from everywhere.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("identity.user_account.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("source", sa.String(64), primary_key=True),  # the source address; '' when unknown
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        schema="identity",
    )
    op.drop_column("user_account", "failed_logins", schema="identity")
    op.drop_column("user_account", "locked_until", schema="identity")


def downgrade() -> None:
    op.add_column("user_account", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True), schema="identity")
    op.add_column("user_account", sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"), schema="identity")
    op.drop_table("login_throttle", schema="identity")
