"""Discipline notification letters (函告), their gapless numbering per year, read receipts.

Revision ID: t0006
Revises: t0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "t0006"
down_revision = "t0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "letter_counter",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.create_table(
        "discipline_letter",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("document_number", sa.String(128), nullable=False),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), nullable=False),
        sa.Column("recipient_name", sa.String(64), nullable=False),
        sa.Column("recipient_post", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("year", "number", name="discipline_letter_number"),
        sa.CheckConstraint("kind IN ('任初函告', '年度函告', '临机函告')", name="discipline_letter_kind"),
    )
    op.create_table(
        "letter_read",
        sa.Column("letter_id", sa.BigInteger, sa.ForeignKey("discipline_letter.id"), primary_key=True),
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("letter_read")
    op.drop_table("discipline_letter")
    op.drop_table("letter_counter")
