"""Passwords (argon2), access tokens (short-lived JWT) and opaque tokens (refresh and API
tokens: random secrets, stored only as their SHA-256)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tenants.errors import DomainError

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128
JWT_ALGORITHM = "HS256"

# OWASP's argon2id profile (19 MiB, 2 passes, 1 lane): ~20 ms a hash here, where the
# library default (64 MiB, 3 passes) costs ~100 ms of a 2-core machine's CPU per login.
# The parameters travel inside each hash, so changing them later keeps old hashes valid.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified when the username is unknown, so both answers take as long (no user enumeration).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def check_password_policy(password: str) -> None:
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise DomainError("WEAK_PASSWORD", f"密码长度须为 {PASSWORD_MIN_LENGTH} 到 {PASSWORD_MAX_LENGTH} 个字符", field="password")
    if password.isdigit() or password.isalpha():
        raise DomainError("WEAK_PASSWORD", "密码须同时包含字母和数字或符号", field="password")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """argon2 runs in a thread (it releases the GIL): a login must not stall the event loop."""

    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def same_digest(token: str, stored: bytes) -> bool:
    return hmac.compare_digest(digest(token), stored)


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: uuid.UUID
    expires_at: datetime


def issue_access_token(user_id: int, session_id: uuid.UUID, secret: str, ttl: timedelta, now: datetime) -> tuple[str, datetime]:
    expires_at = now + ttl
    claims = {"sub": str(user_id), "sid": str(session_id), "typ": "access", "iat": now, "exp": expires_at}
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM), expires_at


def read_access_token(token: str, secret: str, now: datetime) -> AccessClaims:
    """Verify signature, expiry (against `now`, the runtime clock's) and type; raise
    UNAUTHENTICATED (TOKEN_EXPIRED for a genuine token past its expiry) otherwise."""
    try:
        claims = _signed_claims(token, secret)
    except (jwt.InvalidTokenError, ValueError):
        raise DomainError("UNAUTHENTICATED", "令牌无效") from None
    if claims.expires_at <= now:
        # Its own code: a client refreshes on TOKEN_EXPIRED and signs in again on UNAUTHENTICATED.
        raise DomainError("TOKEN_EXPIRED", "登录已过期，请刷新令牌或重新登录")
    return claims


@lru_cache(maxsize=8192)
def _signed_claims(token: str, secret: str) -> AccessClaims:
    """The claims of an access token whose signature and type check out, expired or not: every
    request presents its token, and verifying one costs ~100 µs, so a token already verified is
    not verified again (its expiry is checked on every use; a signed-out session is refused by
    the session check that follows). A token that fails is not remembered."""
    claims = jwt.decode(
        token,
        secret,
        algorithms=[JWT_ALGORITHM],
        options={"require": ["sub", "sid", "exp", "typ"], "verify_exp": False, "verify_iat": False},
    )
    if claims["typ"] != "access":
        raise jwt.InvalidTokenError("not an access token")
    return AccessClaims(int(claims["sub"]), uuid.UUID(claims["sid"]), datetime.fromtimestamp(claims["exp"], UTC))


ACTIVATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or copied from paper


def new_activation_code() -> str:
    """A one-time code a person types once: 12 characters in groups of four (about 59 bits)."""
    code = "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(12))
    return "-".join(code[i : i + 4] for i in range(0, 12, 4))


def normalized_activation_code(code: str) -> str:
    """The code as issued, however it was typed (case, spaces, dashes)."""
    plain = "".join(c for c in code.upper() if c.isalnum())[:12]
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))
