"""./dev bench smoke: the benchmarks' machinery on a small database, in about a minute, outside
the unit suite. The generator fills real tenant schemas consistently with the bank; the load
client drives both `xuncha serve` and the bare stack through every kind of request without an
error (bench/mixed.py); the cost suite measures each kind on both (bench/cost.py). It measures
nothing worth quoting: it fails (exit 1) when a benchmark would no longer run."""

from __future__ import annotations

import argparse
import asyncio
import random
from argparse import Namespace

import httpx
import psutil
from sqlalchemy import select, text

from backend.embedded import ServiceUrls, running_services
from backend.runtime import Runtime
from backend.settings import Settings
from bench.common import bench_runtime, serving_process
from bench.cost import measure_kind
from bench.load_client import MIX, Requests
from bench.mixed import alternate, bench_env, plan_for, populate, server_command
from tenants.models import Tenant

CODES = ("430000", "431300", "431302", "431381", "431382")
FINDINGS = 1000


def check(condition: bool, failure: str) -> None:
    if not condition:
        raise SystemExit(f"bench smoke failed: {failure}")


async def populated(runtime: Runtime) -> None:
    """CODES provisioned and FINDINGS findings spread over them by the benchmark's generator,
    as many in the tenants' ledgers as in the bank."""
    provisioner = runtime.provisioner()
    for code in CODES:
        await provisioner.create(code)
    async with runtime.engine.connect() as connection:
        tenants = (
            await connection.execute(
                select(Tenant.code, Tenant.name, Tenant.level, Tenant.province_code, Tenant.city_code).order_by(Tenant.code)
            )
        ).all()
    built = await populate(runtime, tenants, FINDINGS, 3, 2026, runtime.clock.today())
    check(built["offices_with_findings"] == len(CODES), f"findings reached {built['offices_with_findings']} offices")
    async with runtime.engine.connect() as connection:
        counts = [(await connection.execute(text(f"SELECT count(*) FROM t{code}.finding"))).scalar_one() for code in CODES]
        bank = (await connection.execute(text("SELECT count(*) FROM problem_bank.problem"))).scalar_one()
    check(sum(counts) == bank == FINDINGS, f"{sum(counts)} findings, {bank} in the bank")


async def mixed_load(runtime: Runtime) -> None:
    """A short alternating load on both servers: every kind requested, no error, both wrote."""
    args = Namespace(duration=4, rounds=2, warmup=0.5, concurrency=2, seed=1, profile=0)
    results = await alternate(runtime, args, runtime.clock.today(), {"xuncha": bench_env(runtime), "bare": bench_env(runtime)}, "smoke")
    for target, result in results.items():
        check(all(rate > 0 for rate in result["per_second_by_round"]), f"{target}: a round without requests")
        check(result["overall"]["errors"] == 0, f"{target}: errors {result['error_samples']}")
        check(set(result["by_kind"]) == set(MIX), f"{target}: kinds {sorted(result['by_kind'])}")
        check(all(result["by_kind"][kind]["requests"] > 0 for kind in MIX), f"{target}: {result['by_kind']}")
    async with runtime.engine.connect() as connection:
        actors = set()
        for code in CODES:
            actors |= set((await connection.execute(text(f"SELECT DISTINCT actor FROM t{code}.ledger_event"))).scalars())
    check("bare" in actors and any(actor.startswith("mx") for actor in actors), f"writers {sorted(actors)}")


async def request_cost(runtime: Runtime) -> None:
    """Every kind answered one at a time on both servers, with the server's CPU per request."""
    args = Namespace(duration=0, warmup=0, concurrency=1, seed=1)
    for target in ("xuncha", "bare"):
        async with serving_process(server_command(target), bench_env(runtime)) as (url, server):
            plan = await plan_for(runtime, url, args, runtime.clock.today(), target)
            requests = Requests(plan, random.Random(1), 0, 1)
            async with httpx.AsyncClient(base_url=url, timeout=60) as client:
                by_kind = {kind: await measure_kind(client, requests, psutil.Process(server.pid), kind, 3) for kind in MIX}
        # The OS counts CPU time in clock ticks (10 ms): three quick requests may read as none.
        check(all(f["p50_ms"] > 0 for f in by_kind.values()), f"{target}: {by_kind}")
        check(sum(f["cpu_ms"] for f in by_kind.values()) > 0, f"{target}: no CPU counted {by_kind}")


async def run(settings: Settings, urls: ServiceUrls) -> None:
    async with bench_runtime(settings, urls) as runtime:
        for step in (populated, mixed_load, request_cost):
            print(f"==> bench smoke: {step.__name__}", flush=True)
            await step(runtime)
    print("bench smoke: the benchmarks run", flush=True)


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    settings = Settings.from_env()
    with running_services(settings) as urls:
        asyncio.run(run(settings, urls))


if __name__ == "__main__":
    main()
