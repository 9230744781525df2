"""Notes bounded (issue 25): the note of a workflow's history row (a ledger move, a round's stage,
a draft's, plan's, report's, notice's or 12310 report's move), of a follow-up check (回头看), of a
leader review's stage and of a closed staffing warning holds at most 300 characters. An unbounded
`text` column made PostgreSQL give each of these ten tables a TOAST table and its index; bounded,
a row can never reach the ~2 kB where TOAST starts, so the rewrite this change makes drops them:
20 relations fewer in every tenant schema (tenants/relations.py).

Upgrading refuses a schema holding a longer note (it names the table) rather than cut it; the
downgrade gives the columns back their `text` type (and PostgreSQL the TOAST tables).

Revision ID: t0028
Revises: t0027
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "t0028"
down_revision = "t0027"
branch_labels = None
depends_on = None

NOTE_MAX = 300  # backend/text.py MAX_NOTE when this revision was written
NOTES = (  # (table, column, nullable)
    ("ledger_event", "note", True),
    ("round_stage_event", "note", True),
    ("finding_draft_event", "note", True),
    ("rectification_plan_event", "note", True),
    ("rectification_report_event", "note", True),
    ("public_notice_event", "note", True),
    ("report_12310_event", "note", True),
    ("follow_up_check", "note", False),
    ("review_stage", "notes", True),
    ("staffing_warning", "close_note", True),
)


def upgrade() -> None:
    for table, column, nullable in NOTES:
        op.execute(
            f"DO $$ BEGIN IF EXISTS (SELECT FROM {table} WHERE char_length({column}) > {NOTE_MAX}) THEN"
            f" RAISE EXCEPTION '{table}.{column} 中有超过 {NOTE_MAX} 个字符的说明，请先缩短后再升级'; END IF; END $$"
        )
        op.alter_column(table, column, type_=sa.String(NOTE_MAX), existing_type=sa.Text, existing_nullable=nullable)


def downgrade() -> None:
    for table, column, nullable in NOTES:
        op.alter_column(table, column, type_=sa.Text, existing_type=sa.String(NOTE_MAX), existing_nullable=nullable)
