"""The arq worker: background jobs of the platform."""

from __future__ import annotations

from typing import Any

import logging

from arq import ArqRedis, Worker, cron, func
from redis.exceptions import RedisError

from backend.runtime import Runtime

log = logging.getLogger(__name__)

# A fixed job id: while a refill is queued or running, asking for another is a no-op.
SPARE_REFILL_JOB_ID = "refill-spare-pool"


async def refill_spare_pool(ctx: dict[str, Any]) -> int:
    """Top the pool of pre-built tenant schemas back up; returns how many were built."""
    runtime: Runtime = ctx["runtime"]
    return await runtime.provisioner().refill_spares(runtime.settings.spare_pool_size)


async def request_spare_refill(redis: ArqRedis) -> bool:
    """Ask the worker to top the spare pool up after a provisioning. The tenant is already
    committed then, so an unreachable Redis is only logged (the cron refills anyway)."""
    try:
        await redis.enqueue_job(refill_spare_pool.__name__, _job_id=SPARE_REFILL_JOB_ID)
    except (RedisError, OSError):
        log.warning("could not ask the worker to refill the spare pool", exc_info=True)
        return False
    return True


# Short: a job whose worker died is retried only after the worker's largest timeout, and
# notification jobs will share this worker. A refill builds a few schemas in well under a second.
REFILL_TIMEOUT_SECONDS = 30


def create_worker(runtime: Runtime, **options: Any) -> Worker:
    return Worker(
        # keep_result=0 frees the fixed job id as soon as a refill finishes.
        functions=[func(refill_spare_pool, keep_result=0, timeout=REFILL_TIMEOUT_SECONDS)],
        cron_jobs=[
            cron(refill_spare_pool, minute=set(range(0, 60, 10)), run_at_startup=True, timeout=REFILL_TIMEOUT_SECONDS)
        ],
        # Its own connection pool: the worker closes it on shutdown.
        redis_settings=runtime.redis_settings,
        queue_name=runtime.settings.queue_name,
        ctx={"runtime": runtime},
        **options,
    )
