"""The 纪律谈话 with a newly appointed leader (湖南: "对新任职的有关领导干部…第一时间开展机构编制纪律
谈话"), kept on the leader's record: when, by whom, and what was said.

Revision ID: t0028
Revises: t0025
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "t0028"
down_revision = "t0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("leader", sa.Column("talk_held_on", sa.Date, nullable=True))
    op.add_column("leader", sa.Column("talk_conducted_by", sa.String(64), nullable=True))
    op.add_column("leader", sa.Column("talk_notes", sa.Text, nullable=True))
    op.create_check_constraint("leader_talk", "leader", "(talk_held_on IS NULL) = (talk_conducted_by IS NULL)")


def downgrade() -> None:
    for column in ("talk_notes", "talk_conducted_by", "talk_held_on"):
        op.drop_column("leader", column)
