"""Notification faults with real processes: Redis stopped while offices keep working, and a
worker killed with SIGKILL in the middle of a batch. Nothing is lost and nothing arrives twice."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import signal
import uuid
from collections.abc import Iterator

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from sqlalchemy import text

from backend.embedded import ServiceUrls, start_redis
from backend.notifications.relay import Relay
from backend.runtime import open_runtime
from tests.helpers import LOG_OVERSTAFFING, drain, eventually, inbox_count, inbox_reaches, outbox_jobs_done, worker_process
from tests.identity import Api, add_user

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def warnings_logged() -> Iterator[list[str]]:
    """The backend's warnings while the block runs, as their messages."""
    messages: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("backend")
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


async def test_changes_made_while_redis_is_down_are_all_notified_once_it_is_back(county_office, tmp_path):
    runtime, tokens = county_office
    redis_url, redis = start_redis(tmp_path)
    own_redis = ServiceUrls(runtime.urls.database_url, redis_url)
    async with open_runtime(runtime.settings, own_redis) as cut_off:
        redis.terminate()
        redis.wait(10)
        relay = Relay(cut_off, cut_off.redis)
        with warnings_logged() as warnings:
            async with Api(cut_off) as api:
                results = [await api.call(LOG_OVERSTAFFING, tokens["inspector"]) for _ in range(100)]
            assert [await relay.dispatch() for _ in range(3)] == [0, 0, 0]  # Redis is down: nothing queued, nothing marked
        assert [r.get("errors") for r in results] == [None] * 100
        # The outage is logged once where it was met, not once per request or per poll.
        assert sorted(warnings) == [
            "outbox relay: Redis unreachable",
            "rate limits not enforced: Redis unreachable",
            "taxonomy change stamp not read (the taxonomy reloads by age meanwhile): Redis unreachable",
        ]
        async with cut_off.engine.connect() as connection:
            waiting = (await connection.execute(text("SELECT count(*) FROM notify.outbox WHERE dispatched_at IS NULL"))).scalar_one()
        assert waiting == 100 and await inbox_count(cut_off) == (0, 0)

        _, redis = start_redis(tmp_path)
        restored = dataclasses.replace(cut_off, redis=await create_pool(RedisSettings.from_dsn(redis_url)))
        relay.redis = restored.redis
        try:
            with warnings_logged() as warnings:
                assert await relay.dispatch() == 100
            assert len(warnings) == 1 and warnings[0].startswith("outbox relay: Redis reachable again after")
            await drain(restored)
        finally:
            await restored.redis.aclose()
            redis.terminate()
    assert await inbox_count(runtime) == (100, 100)


async def test_a_worker_killed_mid_batch_loses_and_repeats_nothing(county_office):
    runtime, tokens = county_office
    for n in range(20):  # every event goes to 21 liaisons of the unit
        await add_user(runtime, f"sf.liaison{n}", ("431321", "liaison", 1))
    async with Api(runtime) as api:
        for _ in range(150):
            await api.call(LOG_OVERSTAFFING, tokens["inspector"])
    expected = 150 * 21
    queue = f"xuncha-faults-{uuid.uuid4().hex[:8]}"

    worker = worker_process(runtime, queue)
    try:
        seen = await inbox_reaches(runtime, 200, 60)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        worker.kill()
    partial = await inbox_count(runtime)
    assert 200 <= partial[0] < expected, (seen, partial)  # killed in the middle

    worker = worker_process(runtime, queue)
    try:
        finished = await inbox_reaches(runtime, expected, 90)
        await eventually(lambda: outbox_jobs_done(runtime, queue), 30, "the outbox jobs to finish")  # anything arriving twice has arrived
    finally:
        worker.terminate()
        worker.wait(10)
    assert finished == (expected, expected) and await inbox_count(runtime) == (expected, expected)
    async with runtime.engine.connect() as connection:
        unprocessed = (await connection.execute(text("SELECT count(*) FROM notify.outbox WHERE processed_at IS NULL"))).scalar_one()
    assert unprocessed == 0
