"""Two indexes nothing reads dropped (issue 25): the audit trail is read by its `seq` (newest
first, by actor, reads only) and verified along `seq`; no query filters or orders it by
(entity, entity_id) or by occurred_at. Two relations fewer in every tenant schema.

Revision ID: t0029
Revises: t0028
Create Date: 2026-12-05
"""

from alembic import op

revision = "t0029"
down_revision = "t0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("audit_event_entity_idx", "audit_event")
    op.drop_index("audit_event_occurred_idx", "audit_event")


def downgrade() -> None:
    op.create_index("audit_event_entity_idx", "audit_event", ["entity", "entity_id"])
    op.create_index("audit_event_occurred_idx", "audit_event", ["occurred_at"])
