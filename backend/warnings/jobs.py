"""The nightly warning run: a cron job queues one job per tenant (a tenant's evaluation is
one bounded transaction), each with a job id per tenant and day, so a second cron firing or a
second worker queues nothing twice; the engine itself is idempotent anyway."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from backend.runtime import Runtime
from backend.warnings.engine import evaluate_tenant
from tenants.models import Tenant


def evaluation_job_id(prefix: str, tenant_code: str, day: date) -> str:
    return f"{prefix}:warnings:{tenant_code}:{day.isoformat()}"


async def nightly_warnings(ctx: dict[str, Any]) -> int:
    """Queue today's evaluation of every tenant; answers how many were queued."""
    runtime: Runtime = ctx["runtime"]
    today = runtime.clock.today()
    async with runtime.engine.connect() as connection:
        codes = (await connection.execute(select(Tenant.code).order_by(Tenant.code))).scalars().all()
    queued = 0
    for code in codes:
        job = await ctx["redis"].enqueue_job(
            evaluate_warnings.__name__,
            code,
            today.isoformat(),
            _queue_name=runtime.settings.queue_name,
            _job_id=evaluation_job_id(runtime.settings.redis_prefix, code, today),
        )
        queued += job is not None
    return queued


async def evaluate_warnings(ctx: dict[str, Any], tenant_code: str, day: str) -> str:
    report = await evaluate_tenant(ctx["runtime"].engine, tenant_code, date.fromisoformat(day))
    return repr(report)
