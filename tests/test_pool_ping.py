"""The app's pool pings a connection before use only after it sat idle a while
(backend/db.py ping_after_idle): a connection the server dropped while idle is replaced
without the request noticing; one dropped right after use fails one request, the next works."""

import asyncio

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backend.db import asyncpg_dsn, create_engine
from tests.helpers import eventually


async def backend_pid(engine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()


async def terminate(url: str, pid: int) -> None:
    admin = await asyncpg.connect(asyncpg_dsn(url))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)

        async def gone() -> bool:
            return not await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid)

        await eventually(gone, 10, "the terminated backend to leave")
    finally:
        await admin.close()


async def test_a_connection_dropped_while_idle_is_replaced_before_use(runtime):
    engine = create_engine(runtime.urls.database_url, pool_size=1, max_overflow=0, ping_after_idle_seconds=0.2)
    try:
        first = await backend_pid(engine)
        await terminate(runtime.urls.database_url, first)
        await asyncio.sleep(0.3)
        second = await backend_pid(engine)  # pinged, found dead, replaced: no error
        assert second != first
        assert await backend_pid(engine) == second  # used again at once: kept, not pinged
    finally:
        await engine.dispose()


async def test_a_connection_dropped_right_after_use_fails_one_request_then_the_pool_recovers(runtime):
    engine = create_engine(runtime.urls.database_url, pool_size=1, max_overflow=0, ping_after_idle_seconds=60)
    try:
        first = await backend_pid(engine)
        await terminate(runtime.urls.database_url, first)
        with pytest.raises(DBAPIError):
            await backend_pid(engine)
        assert await backend_pid(engine) != first
    finally:
        await engine.dispose()
