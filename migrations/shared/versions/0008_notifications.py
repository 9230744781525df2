"""Notifications: the transactional outbox, inbox, deliveries, preferences, webhooks; users' e-mail.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA notify")
    op.add_column("user_account", sa.Column("email", sa.String(254), nullable=True), schema="identity")
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=False),
        sa.Column("event_type", sa.String(48), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requeues", sa.Integer, nullable=False, server_default="0"),
        schema="notify",
    )
    op.create_index("outbox_undispatched_idx", "outbox", ["id"], schema="notify", postgresql_where=sa.text("dispatched_at IS NULL"))
    op.create_index(
        "outbox_unprocessed_idx",
        "outbox",
        ["dispatched_at"],
        schema="notify",
        postgresql_where=sa.text("processed_at IS NULL AND dispatched_at IS NOT NULL"),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.BigInteger, sa.ForeignKey("notify.outbox.id"), nullable=False),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("identity.user_account.id"), nullable=False),
        sa.Column("tenant_code", sa.String(6), nullable=False),
        sa.Column("event_type", sa.String(48), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("event_id", "user_id", name="notification_once"),
        schema="notify",
    )
    op.create_index(
        "notification_inbox_idx", "notification", ["user_id", "event_id"], schema="notify", postgresql_where=sa.text("archived_at IS NULL")
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.BigInteger, sa.ForeignKey("notify.outbox.id"), nullable=False),
        sa.Column("tenant_code", sa.String(6), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.String(512), nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=True),
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("event_id", "channel", "target", name="delivery_once"),
        sa.CheckConstraint("channel IN ('email', 'webhook')", name="delivery_channel"),
        sa.CheckConstraint("state IN ('pending', 'sent', 'retrying', 'dead')", name="delivery_state"),
        schema="notify",
    )
    op.create_index(
        "delivery_due_idx", "delivery", ["next_attempt_at"], schema="notify", postgresql_where=sa.text("state IN ('pending', 'retrying')")
    )
    op.create_index("delivery_tenant_idx", "delivery", ["tenant_code", "state", "id"], schema="notify")
    op.create_table(
        "preference",
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("identity.user_account.id"), primary_key=True),
        sa.Column("event_type", sa.String(48), primary_key=True),
        sa.Column("in_app", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("email", sa.Boolean, nullable=False, server_default=sa.true()),
        schema="notify",
    )
    op.create_table(
        "webhook",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=False),
        sa.Column("url", sa.String(512), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("event_types", ARRAY(sa.String(48)), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="notify",
    )
    op.create_index("webhook_tenant_idx", "webhook", ["tenant_code"], schema="notify")


def downgrade() -> None:
    op.execute("DROP SCHEMA notify CASCADE")
    op.drop_column("user_account", "email", schema="identity")
