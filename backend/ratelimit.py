"""Fixed-window request counting in Redis, shared by every API process.

With Redis unreachable the limit is not enforced (logged): writes must not fail because the
queue is down, and logins stay guarded by the account lockout kept in PostgreSQL."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from backend.outage import OutageLog
from tenants.errors import DomainError

WINDOW_SECONDS = 60
outage = OutageLog(logging.getLogger(__name__), "rate limits not enforced")


# One round trip, atomic: count the request, open the window on its first, answer the count
# and the seconds the window has left.
_COUNT = """
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('TTL', KEYS[1])}
"""


async def spend(redis: Redis, key: str, per_minute: int, units: int = 1) -> None:
    """Count a request (of `units`) against `key` (already namespaced); raise RATE_LIMITED past
    `per_minute` units in this window."""
    try:
        count, ttl = await redis.register_script(_COUNT)(keys=[key], args=[WINDOW_SECONDS, units])
    except (RedisError, OSError):
        outage.failed()
        return
    outage.succeeded()
    if count > per_minute:
        raise DomainError("RATE_LIMITED", f"操作过于频繁，请 {max(ttl, 1)} 秒后再试")
