"""Fixed-window request counting in Redis, shared by every API process.

With Redis unreachable the limit is not enforced (logged): writes must not fail because the
queue is down, and logins stay guarded by the account lockout kept in PostgreSQL."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tenants.errors import DomainError

WINDOW_SECONDS = 60
log = logging.getLogger(__name__)


async def spend(redis: Redis, key: str, per_minute: int) -> None:
    """Count one request against `key` (already namespaced); raise RATE_LIMITED past
    `per_minute` in this window."""
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=WINDOW_SECONDS, nx=True)  # opens the window (Redis 6 has no EXPIRE NX)
            pipe.incr(key)
            pipe.ttl(key)
            _, count, ttl = await pipe.execute()
    except (RedisError, OSError):
        log.warning("rate limit not enforced: Redis unreachable")
        return
    if count > per_minute:
        raise DomainError("RATE_LIMITED", f"操作过于频繁，请 {max(ttl, 1)} 秒后再试")
