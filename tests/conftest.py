"""Test fixtures: real PostgreSQL and Redis (embedded unless DATABASE_URL / REDIS_URL are
set), a fresh uniquely named database per test, dropped afterwards."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from backend.clock import Clock, ShiftedClock
from backend.db import async_database_url, asyncpg_dsn
from backend.embedded import ServiceUrls, running_services
from backend.runtime import Runtime, open_runtime
from backend.settings import Settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    return dataclasses.replace(
        Settings.from_env(),
        queue_name=f"xuncha:test:{uuid.uuid4().hex[:8]}",
        spare_pool_size=2,
        lock_timeout="2s",
    )


@pytest.fixture(scope="session")
def services(settings: Settings) -> Iterator[ServiceUrls]:
    with running_services(settings) as urls:
        yield urls


@pytest.fixture
async def database_url(services: ServiceUrls) -> AsyncIterator[str]:
    """A new, empty database on the server, dropped after the test."""
    name = f"xuncha_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(asyncpg_dsn(services.database_url, "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield make_url(async_database_url(services.database_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
def clock(settings: Settings) -> ShiftedClock:
    """The test's clock: it starts at XUNCHA_CLOCK if set (`XUNCHA_CLOCK=2027-06-01 ./dev test`
    runs the suite as of that day), else at the machine's time; a test moves it with `set` and
    `advance`."""
    return ShiftedClock(settings.clock_start or Clock().now())


@pytest.fixture
async def runtime(settings: Settings, services: ServiceUrls, database_url: str, clock: ShiftedClock) -> AsyncIterator[Runtime]:
    """An open runtime on a fresh database with the shared schemas migrated."""
    own_keys = dataclasses.replace(settings, redis_prefix=f"xuncha-test-{uuid.uuid4().hex[:8]}")
    async with open_runtime(own_keys, ServiceUrls(database_url, services.redis_url), clock) as runtime:
        await runtime.upgrade_shared()
        yield runtime
