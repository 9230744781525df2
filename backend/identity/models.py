"""Identity, in the shared schema `identity`: users belong to several tenants, so they
cannot live in any one tenant's schema."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, LargeBinary, MetaData, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

IDENTITY_SCHEMA = "identity"


class IdentityBase(DeclarativeBase):
    metadata = MetaData(schema=IDENTITY_SCHEMA)
    type_annotation_map = {datetime: DateTime(timezone=True)}


class UserAccount(IdentityBase):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))  # where e-mail notifications go
    password_hash: Mapped[str] = mapped_column(Text)
    is_superuser: Mapped[bool] = mapped_column(server_default="false")
    is_active: Mapped[bool] = mapped_column(server_default="true")
    # A new account's one-time activation code (its digest) and its expiry: until its owner
    # activates it with a password of their own, it has no password that can log in.
    activation_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    activation_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class LoginThrottle(IdentityBase):
    """Failed logins of one account from one source address, and until when that address is
    refused for it (backend/identity/service.py: the growing delays)."""

    __tablename__ = "login_throttle"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey(UserAccount.id, ondelete="CASCADE"), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int]
    blocked_until: Mapped[datetime | None]


class Membership(IdentityBase):
    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(UserAccount.id))
    tenant_code: Mapped[str] = mapped_column(ForeignKey("tenancy.tenant.code"))
    organ_id: Mapped[int] = mapped_column(ForeignKey("tenancy.organ.id"))  # the organ the role is held in
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Session(IdentityBase):
    """A login: its refresh tokens rotate, and revoking it ends every token it issued."""

    __tablename__ = "session"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(UserAccount.id))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    source_ip: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]


class RefreshToken(IdentityBase):
    __tablename__ = "refresh_token"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(Session.id))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ApiToken(IdentityBase):
    """A long-lived token of an integration account, limited to scopes `read` / `write`."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(UserAccount.id))
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class AuthEvent(IdentityBase):
    """Append-only (a trigger refuses UPDATE and DELETE)."""

    __tablename__ = "auth_event"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    action: Mapped[str] = mapped_column(String(32))
    actor_user_id: Mapped[int | None] = mapped_column(BigInteger)
    subject_user_id: Mapped[int | None] = mapped_column(BigInteger)
    username: Mapped[str | None] = mapped_column(String(64))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
