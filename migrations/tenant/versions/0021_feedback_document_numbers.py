"""A 反馈意见 is unique by its 文号, not by (year, number) of the office's own series: a round an
upper office leads over this office's units is fed back under the leading office's 机关代字 and
numbered in its series (湘编办反馈〔2026〕1号 beside 双编办反馈〔2026〕1号).

Downgrading fails while both series hold the same number in a year, as it should: the old key
cannot tell them apart.

Revision ID: t0021
Revises: t0020
Create Date: 2026-12-05
"""

from alembic import op

revision = "t0021"
down_revision = "t0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("round_feedback_number_key", "round_feedback")
    op.create_unique_constraint("round_feedback_document_number_key", "round_feedback", ["document_number"])


def downgrade() -> None:
    op.drop_constraint("round_feedback_document_number_key", "round_feedback")
    op.create_unique_constraint("round_feedback_number_key", "round_feedback", ["year", "number"])
