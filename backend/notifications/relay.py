"""The outbox relay: moves committed outbox events into arq, woken by LISTEN/NOTIFY and
polling besides (a missed notification, a lost LISTEN connection, a Redis outage all end in
the next poll). An event is marked dispatched only once arq holds its job, whose id is the
outbox id: arq refuses a second job with an id it holds, so a repeat is harmless.

PostgreSQL, not Redis, is the record. The sweep re-queues what Redis lost: events dispatched
long ago and still unprocessed, and deliveries still due long after their time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import asyncpg
from arq import ArqRedis
from redis.exceptions import RedisError
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from backend.db import asyncpg_dsn
from backend.notifications.jobs import deliver_event, event_job_id, queue_deliveries
from backend.notifications.models import Delivery, DeliveryState, OutboxEvent
from backend.notifications.outbox import CHANNEL
from backend.outage import OutageLog
from backend.runtime import Runtime

log = logging.getLogger(__name__)

BATCH = 500
MAX_REQUEUES = 5


class Relay:
    def __init__(self, runtime: Runtime, redis: ArqRedis) -> None:
        self.runtime = runtime
        self.redis = redis
        self._wake = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self.redis_outage = OutageLog(log, "outbox relay")
        self.database_outage = OutageLog(log, "outbox relay", "PostgreSQL")

    async def run(self) -> None:
        """Relay until cancelled; an unexpected error is logged and the loop goes on."""
        settings = self.runtime.settings
        last_sweep = time.monotonic()
        try:
            while True:
                try:
                    await self._listen()
                    while await self.dispatch() == BATCH:
                        pass
                    if time.monotonic() - last_sweep >= settings.sweep_after_seconds / 4:
                        last_sweep = time.monotonic()
                        await self.sweep()
                except Exception:
                    log.exception("outbox relay: unexpected error; carrying on")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), settings.outbox_poll_seconds)
                self._wake.clear()
        finally:
            if self._listener is not None:
                await self._listener.close()

    async def dispatch(self) -> int:
        """Queue a batch of undispatched events; how many were queued."""
        try:
            async with self.runtime.engine.begin() as connection:
                ids = list(
                    (
                        await connection.execute(
                            select(OutboxEvent.id)
                            .where(OutboxEvent.dispatched_at.is_(None))
                            .order_by(OutboxEvent.id)
                            .limit(BATCH)
                            .with_for_update(skip_locked=True)
                        )
                    ).scalars()
                )
                queued = await self._enqueue_events(ids)
                if queued:
                    await connection.execute(update(OutboxEvent).where(OutboxEvent.id.in_(queued)).values(dispatched_at=func.now()))
        except (OSError, DBAPIError):  # PostgreSQL unreachable: the next poll tries again
            self.database_outage.failed()
            return 0
        self.database_outage.succeeded()
        return len(queued)

    async def sweep(self) -> None:
        """Re-queue events and deliveries that Redis must have lost. An event re-queued
        MAX_REQUEUES times without being processed is left alone (and logged): a job that
        fails every time must not starve the others."""
        grace = text(f"now() - interval '{int(self.runtime.settings.sweep_after_seconds)} seconds'")
        try:
            async with self.runtime.engine.begin() as connection:
                events = list(
                    (
                        await connection.execute(
                            update(OutboxEvent)
                            .where(
                                OutboxEvent.id.in_(
                                    select(OutboxEvent.id)
                                    .where(
                                        OutboxEvent.processed_at.is_(None),
                                        OutboxEvent.dispatched_at < grace,
                                        OutboxEvent.requeues < MAX_REQUEUES,
                                    )
                                    .order_by(OutboxEvent.id)
                                    .limit(BATCH)
                                    .with_for_update(skip_locked=True)
                                )
                            )
                            .values(requeues=OutboxEvent.requeues + 1, dispatched_at=func.now())
                            .returning(OutboxEvent.id, OutboxEvent.requeues)
                        )
                    ).all()
                )
                deliveries = list(
                    (
                        await connection.execute(
                            select(Delivery.id)
                            .where(Delivery.state.in_((DeliveryState.PENDING, DeliveryState.RETRYING)), Delivery.next_attempt_at < grace)
                            .order_by(Delivery.id)
                            .limit(BATCH)
                        )
                    ).scalars()
                )
        except (OSError, DBAPIError):
            return
        for event_id, requeues in events:
            if requeues == MAX_REQUEUES:
                log.error("outbox relay: event %d re-queued %d times and still not processed; giving up", event_id, requeues)
        await self._enqueue_events([event_id for event_id, _ in events])
        await queue_deliveries(self.redis, self.runtime.settings, deliveries)

    async def _enqueue_events(self, ids: list[int]) -> list[int]:
        settings = self.runtime.settings
        queued = []
        try:
            for event_id in ids:
                await self.redis.enqueue_job(
                    deliver_event.__name__, event_id, _queue_name=settings.queue_name, _job_id=event_job_id(settings.redis_prefix, event_id)
                )
                queued.append(event_id)  # None from arq (the id is known) counts: it is there
        except (RedisError, OSError):
            self.redis_outage.failed()  # the events wait in the outbox for the next round
        else:
            if queued:
                self.redis_outage.succeeded()
        return queued

    async def _listen(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        try:
            self._listener = await asyncpg.connect(asyncpg_dsn(self.runtime.urls.direct_url), timeout=5)
            await self._listener.add_listener(CHANNEL, lambda *_: self._wake.set())
        except (OSError, asyncpg.PostgresError, TimeoutError):
            self._listener = None  # polling carries on; the next round tries again
