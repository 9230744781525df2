"""What every benchmark shares: a fresh database of its own, an API process to drive,
percentiles, the results file."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import psutil
from sqlalchemy import Row, insert, select, text
from sqlalchemy.engine import make_url

from backend.db import async_database_url, asyncpg_dsn, ensure_database_exists
from backend.embedded import ServiceUrls, running_services
from backend.resources import checkout
from backend.runtime import Runtime, open_runtime
from backend.settings import Settings
from bench.provenance import provenance
from tenants.bulk_import import ImportLine, plan_import
from tenants.divisions import national_register
from tenants.models import Tenant
from tenants.organs import Organ, office_values

# GraphQL documents the benchmarks send (the bank suite and the mixed load's client).
LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }"
DASHBOARD = """query($r: String!) {
  region: bankStatistics(regionCode: $r, by: REGION) { ...tally }
  category: bankStatistics(regionCode: $r, by: CATEGORY) { ...tally }
  kind: bankStatistics(regionCode: $r, by: KIND) { ...tally }
  unitType: bankStatistics(regionCode: $r, by: UNIT_TYPE) { ...tally }
  month: bankStatistics(regionCode: $r, by: MONTH) { ...tally }
  overdueRanking(regionCode: $r, first: 20) { items { ...tally } }
}
fragment tally on BankTally { key label total awaitingCloseOut closed overdue averageDaysOverdue completionRate }"""
SEARCH = """query($r: String!, $t: String, $f: ProblemFilterInput) { problems(regionCode: $r, text: $t, filter: $f, first: 50) {
  pageInfo { hasNextPage endCursor } items { tenantCode officeName findingId findingCode unitName unitType roundKind taxonomyCode taxonomyName
  severity state deadline overdue foundOn highlight } } }"""

RESULTS = checkout() / "bench" / "results"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextlib.asynccontextmanager
async def bench_runtime(settings: Settings, urls: ServiceUrls, *, keep: bool = False, name: str | None = None) -> AsyncIterator[Runtime]:
    """A runtime on a new database with the shared schemas migrated; dropped afterwards unless
    `keep`. With `name`, that database (created if missing, reused as it is if not)."""
    name = name or f"xuncha_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(async_database_url(urls.database_url)).set(database=name).render_as_string(hide_password=False)
    await ensure_database_exists(url)
    try:
        async with open_runtime(settings, ServiceUrls(url, urls.redis_url)) as runtime:
            await runtime.upgrade_shared()
            yield runtime
    finally:
        if not keep:
            admin = await asyncpg.connect(asyncpg_dsn(url, "postgres"))
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


def server_env(runtime: Runtime, **extra: str) -> dict[str, str]:
    """The environment of a `xuncha serve` the benchmark drives: production mode on the
    benchmark's database and Redis, with the rate limits lifted."""
    return {
        **os.environ,
        "DATABASE_URL": runtime.urls.database_url,
        "REDIS_URL": runtime.urls.redis_url,
        "XUNCHA_ENV": "production",
        "XUNCHA_SECRET_KEY": runtime.settings.secret_key,
        "XUNCHA_MUTATIONS_PER_MINUTE": "100000000",
        "XUNCHA_COSTLY_PER_MINUTE": "100000000",
        "XUNCHA_LOGIN_ATTEMPTS_PER_MINUTE": "100000000",
        **extra,
    }


async def server_version(runtime: Runtime) -> str:
    async with runtime.engine.connect() as connection:
        return (await connection.execute(text("SHOW server_version"))).scalar_one()


def run_suite(name: str, run, args) -> Path:
    """`./dev bench NAME …`: `run(args, settings, urls)` with the services up (embedded unless
    DATABASE_URL / REDIS_URL say otherwise), its results written with the command as typed."""
    settings = Settings.from_env()
    with running_services(settings) as urls:
        results = asyncio.run(run(args, settings, urls))
    return write_results(name, results, f"./dev bench {name} " + " ".join(sys.argv[1:]))


def write_results(name: str, results: dict, command: str) -> Path:
    """The results, with the machine, the command and what they were taken at (bench/provenance.py),
    into bench/results/NAME-WHEN.json; printed too."""
    results["machine"] = {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30),
        "platform": platform.platform(),
    }
    results["command"] = command
    results |= provenance()
    results["when"] = datetime.now(UTC).isoformat(timespec="seconds")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{results['when'].replace(':', '')}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return path


async def register_offices(runtime: Runtime) -> Sequence[Row]:
    """Every office of the national register as a registry row and its 编办 only (no tenant
    schema: for benchmarks that read shared tables), planned by the import's rules; the rows, in
    code order. Offices already registered (with their schemas) stay as they are."""
    lines = [ImportLine(n, code, None, None) for n, code in enumerate(sorted(national_register()), start=1)]
    plan = await plan_import(runtime.provisioner(), lines)
    async with runtime.engine.begin() as connection:
        if plan.specs:
            await connection.execute(
                insert(Tenant),
                [
                    {
                        "code": spec.code,
                        "name": spec.name,
                        "level": spec.level.value,
                        "parent_code": spec.parent_code,
                        "province_code": spec.province_code,
                        "city_code": spec.city_code(plan.levels),
                        "schema_name": spec.schema_name,
                        "schema_version": runtime.streams.tenant_head,
                    }
                    for spec in plan.specs
                ],
            )
            await connection.execute(insert(Organ), [office_values(spec.code, spec.name, spec.level) for spec in plan.specs])
        query = select(Tenant.code, Tenant.name, Tenant.level, Tenant.province_code, Tenant.city_code).order_by(Tenant.code)
        return (await connection.execute(query)).all()


# How long a server process may take to answer: seconds on a quiet machine, far more on a loaded
# one (a fresh virtual environment compiles every module it imports on its first start).
SERVER_START_SECONDS = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def serving(args: list[str], env: dict[str, str]):
    """A uvicorn process on a free port, ready; its base URL."""
    async with serving_process(args, env) as (url, _):
        yield url


@contextlib.asynccontextmanager
async def serving_process(args: list[str], env: dict[str, str], *, program: str = sys.executable, cwd: Path | None = None):
    """A uvicorn process (`program` with `args`, run in the checkout unless `cwd` is given) on a
    free port, ready: its base URL and the process (fault tests kill it)."""
    port = free_port()
    server = subprocess.Popen(
        [program, *args, "--port", str(port)], env=env, cwd=cwd or checkout(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            deadline = time.monotonic() + SERVER_START_SECONDS
            while True:
                if server.poll() is not None:
                    raise SystemExit(f"{' '.join(args)} exited with {server.returncode}")
                try:
                    if (await client.post("/graphql", json={"query": "{ __typename }"})).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"{' '.join(args)} did not answer within {SERVER_START_SECONDS} s")
                await asyncio.sleep(0.1)
        yield url, server
    finally:
        server.terminate()
        server.wait(timeout=30)
