"""The arq worker: background jobs of the platform, and the outbox relay beside them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from arq import ArqRedis, Worker, cron, func
from redis.exceptions import RedisError

from backend.clock import CHINA_STANDARD_TIME
from backend.findings.import_jobs import IMPORT_TIMEOUT_SECONDS, import_findings_job, imports_queue
from backend.notifications.jobs import deliver_event, send_delivery
from backend.notifications.relay import Relay
from backend.runtime import Runtime
from backend.settings import Settings
from backend.supervision.engine import run_supervision
from backend.warnings.jobs import evaluate_warnings, nightly_warnings
from problem_bank.trends import month_of, record_month_end, shift

log = logging.getLogger(__name__)


def spare_refill_job_id(settings: Settings) -> str:
    """A fixed job id (in the deployment's namespace: arq's job keys are global to a Redis):
    while a refill is queued or running, asking for another is a no-op."""
    return f"{settings.redis_prefix}:refill-spare-pool"


async def refill_spare_pool(ctx: dict[str, Any]) -> int:
    """Top the pool of pre-built tenant schemas back up; returns how many were built."""
    runtime: Runtime = ctx["runtime"]
    return await runtime.provisioner().refill_spares(runtime.settings.spare_pool_size)


async def request_spare_refill(redis: ArqRedis, settings: Settings) -> bool:
    """Ask the worker to top the spare pool up after a provisioning. The tenant is already
    committed then, so an unreachable Redis is only logged (the cron refills anyway)."""
    try:
        await redis.enqueue_job(refill_spare_pool.__name__, _job_id=spare_refill_job_id(settings), _queue_name=settings.queue_name)
    except (RedisError, OSError):
        log.warning("could not ask the worker to refill the spare pool", exc_info=True)
        return False
    return True


async def daily_supervision(ctx: dict[str, Any]) -> str:
    """Deadline reminders and 督办 for today (office time); nothing on a day off."""
    summary = await run_supervision(ctx["runtime"], ctx["runtime"].clock.today())
    return repr(summary)


async def month_end(ctx: dict[str, Any]) -> int:
    """The problem bank's figures at the end of the month just ended (problem_bank/trends.py)."""
    runtime: Runtime = ctx["runtime"]
    async with runtime.engine.begin() as connection:
        return await record_month_end(connection, shift(month_of(runtime.clock.today()), -1))


async def start_relay(ctx: dict[str, Any]) -> None:
    ctx["relay"] = asyncio.create_task(Relay(ctx["runtime"], ctx["redis"]).run(), name="outbox-relay")


async def stop_relay(ctx: dict[str, Any]) -> None:
    relay = ctx.pop("relay", None)
    if relay is not None:
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay


def create_worker(runtime: Runtime, *, relay: bool = True, **options: Any) -> Worker:
    settings = runtime.settings
    # One short timeout for every job: a job whose worker died is retried only once the
    # worker's largest timeout has passed (the in-progress key's expiry). A refill builds a few
    # schemas in well under a second; a fan-out to 10,000 users takes about one. Imports, which
    # take longer, have a worker of their own (create_import_worker).
    timeout = settings.job_timeout_seconds
    return Worker(
        functions=[
            # keep_result=0 frees the fixed job id as soon as a refill finishes.
            func(refill_spare_pool, keep_result=0, timeout=timeout),
            # A kept result makes arq refuse the same outbox id again for a minute; the job is
            # idempotent anyway (the event is marked processed in its transaction).
            func(deliver_event, keep_result=60, timeout=timeout),
            # Each failed attempt raises Retry; send_delivery itself leaves a dead letter after the last.
            func(send_delivery, keep_result=0, timeout=timeout, max_tries=settings.delivery_max_attempts + 1),
            # One tenant per job; the day's job id stays taken for a day (the result kept).
            func(evaluate_warnings, keep_result=86_400, timeout=timeout),
        ],
        cron_jobs=[
            # Cron job ids are "<name>:<time>", namespaced like every job id of this deployment.
            cron(
                refill_spare_pool,
                name=f"{settings.redis_prefix}:refill_spare_pool",
                minute=set(range(0, 60, 10)),
                run_at_startup=True,
                timeout=timeout,
            ),
            # 08:30 office time; unique per run, so one of several workers does it.
            cron(daily_supervision, name=f"{settings.redis_prefix}:daily_supervision", hour=8, minute=30, timeout=timeout),
            # 02:00 office time, every night: queues one warning evaluation per tenant.
            cron(nightly_warnings, name=f"{settings.redis_prefix}:nightly_warnings", hour=2, minute=0, timeout=timeout),
            # 00:30 office time on the 1st: the month just ended, once (a rerun adds nothing).
            cron(month_end, name=f"{settings.redis_prefix}:month_end", day=1, hour=0, minute=30, timeout=timeout),
        ],
        timezone=CHINA_STANDARD_TIME,
        on_startup=start_relay if relay else None,
        on_shutdown=stop_relay if relay else None,
        # Its own connection pool: the worker closes it on shutdown.
        redis_settings=runtime.redis_settings,
        queue_name=settings.queue_name,
        ctx={"runtime": runtime},
        # arq looks for due jobs every poll_delay (0.5 s by default): that delay is most of a
        # notification's way from commit to inbox, and 20 light Redis reads a second cost little.
        **{"poll_delay": 0.05, **options},
    )


def create_import_worker(runtime: Runtime, **options: Any) -> Worker:
    """The worker of large Excel imports (backend/findings/import_jobs.py), on a queue of their
    own: their long timeout would otherwise hold back the retry of every other job of a worker
    that died. Tried once: a failed import says why and is simply started again."""
    return Worker(
        functions=[func(import_findings_job, keep_result=0, timeout=IMPORT_TIMEOUT_SECONDS, max_tries=1)],
        redis_settings=runtime.redis_settings,
        queue_name=imports_queue(runtime.settings),
        ctx={"runtime": runtime},
        **{"poll_delay": 0.05, **options},
    )


async def stop_workers(workers: list[Worker], tasks: list[asyncio.Task]) -> None:
    """Close workers running in this process and wait for their tasks to end."""
    for worker in workers:
        await worker.close()
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
