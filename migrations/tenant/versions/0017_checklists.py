"""A round's 调阅材料清单 and 自查表, item by item per unit (backend/checklists/); a draft may be a
自查发现 (a problem the unit reported in its 自查表).

Revision ID: t0017
Revises: t0016
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "t0017"
down_revision = "t0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checklist_item",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=False),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("taxonomy_code", sa.String(16), nullable=True),
        sa.Column("answer", sa.String(4), nullable=True),
        sa.Column("explanation", sa.Text, nullable=True),
        sa.Column("evidence", JSONB, nullable=False, server_default="[]"),
        sa.Column("answered_by", sa.String(64), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review", sa.String(4), nullable=True),
        sa.Column("review_note", sa.Text, nullable=True),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("draft_id", sa.BigInteger, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("kind IN ('materials', 'self_check')", name="checklist_item_kind"),
        sa.CheckConstraint("answer IS NULL OR answer IN ('已提供', '无法提供', '符合', '不符合', '不适用')", name="checklist_item_answer"),
        sa.CheckConstraint("review IS NULL OR review IN ('已收到', '需补充')", name="checklist_item_review"),
    )
    op.create_index("checklist_item_round_idx", "checklist_item", ["round_id", "unit_id", "kind", "position"])
    op.add_column("finding_draft", sa.Column("self_found", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("finding_draft", "self_found")
    op.drop_table("checklist_item")
