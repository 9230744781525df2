"""Typical-case bulletins issued jointly (联合发文): the organs of the publisher's region that
co-issue a bulletin, each with its 会签 (who and when), required before publication.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulletin_joint_organ",
        sa.Column("bulletin_id", sa.BigInteger, sa.ForeignKey("problem_bank.bulletin.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("organ_id", sa.BigInteger, sa.ForeignKey("tenancy.organ.id"), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        schema="problem_bank",
    )


def downgrade() -> None:
    op.drop_table("bulletin_joint_organ", schema="problem_bank")
