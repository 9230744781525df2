"""Identity: users, memberships, sessions with refresh tokens, API tokens, auth audit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ROLES = "('admin', 'inspector', 'reviewer', 'publisher', 'auditor', 'liaison')"


def upgrade() -> None:
    op.execute("CREATE SCHEMA identity")
    op.create_table(
        "user_account",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("is_superuser", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="identity",
    )
    op.create_index("user_account_username_key", "user_account", [sa.text("lower(username)")], unique=True, schema="identity")
    op.create_table(
        "membership",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("identity.user_account.id"), nullable=False),
        sa.Column("tenant_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        # The inspected unit a liaison (联络员) is bound to, in the tenant's own schema.
        sa.Column("unit_id", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(f"role IN {ROLES}", name="membership_role"),
        sa.CheckConstraint("(role = 'liaison') = (unit_id IS NOT NULL)", name="membership_unit_for_liaison"),
        schema="identity",
    )
    op.create_index(
        "membership_grant_key",
        "membership",
        ["user_id", "tenant_code", "role", sa.text("coalesce(unit_id, 0)")],
        unique=True,
        schema="identity",
    )
    op.create_index("membership_tenant_idx", "membership", ["tenant_code"], schema="identity")
    op.create_table(
        "session",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("identity.user_account.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("source_ip", sa.String(64), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        schema="identity",
    )
    op.create_index("session_user_idx", "session", ["user_id"], schema="identity")
    op.create_table(
        "refresh_token",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("session_id", UUID(as_uuid=True), sa.ForeignKey("identity.session.id"), nullable=False),
        sa.Column("token_hash", sa.LargeBinary, nullable=False, unique=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        schema="identity",
    )
    op.create_index("refresh_token_session_idx", "refresh_token", ["session_id"], schema="identity")
    op.create_table(
        "api_token",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("identity.user_account.id"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.LargeBinary, nullable=False),
        sa.Column("scopes", ARRAY(sa.String(16)), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("scopes <@ ARRAY['read', 'write']::varchar[] AND cardinality(scopes) > 0", name="api_token_scopes"),
        schema="identity",
    )
    op.create_index("api_token_user_idx", "api_token", ["user_id"], schema="identity")
    op.create_table(
        "auth_event",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor_user_id", sa.BigInteger, nullable=True),
        sa.Column("subject_user_id", sa.BigInteger, nullable=True),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("source_ip", sa.String(64), nullable=True),
        sa.Column("detail", JSONB, nullable=True),
        schema="identity",
    )
    op.create_index("auth_event_subject_idx", "auth_event", ["subject_user_id", "occurred_at"], schema="identity")
    # Append-only: the app may insert audit rows, never change or remove them.
    op.execute(
        """
        CREATE FUNCTION identity.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'identity.auth_event is append-only'; END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER auth_event_append_only BEFORE UPDATE OR DELETE ON identity.auth_event
        FOR EACH ROW EXECUTE FUNCTION identity.refuse_change()
        """
    )
    op.execute(
        """
        CREATE TRIGGER auth_event_no_truncate BEFORE TRUNCATE ON identity.auth_event
        FOR EACH STATEMENT EXECUTE FUNCTION identity.refuse_change()
        """
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA identity CASCADE")
