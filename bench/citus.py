"""A Citus cluster against one node (issue 24 item 5): the same work on a local coordinator with
two workers and on one plain PostgreSQL 15 set up the same way (both started here, on this
machine: tests/citus.py), taking turns. One machine cannot show a cluster's speed-up (its three
servers share the same cores); this measures what the cluster costs on top, and that it works.

Per setup: migrating the shared schemas (and, on the cluster, placing the shared tables);
provisioning N offices of 湖南 with the spare pool empty (the build path); then R rounds, taking
turns, of: logging findings in a county, its 50-finding ledger page, and the province's dashboard.

Usage: ./dev bench citus [--offices N] [--rounds R] [--requests Q]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator

import asyncpg

from backend.db import asyncpg_dsn
from backend.embedded import ServiceUrls, running_services
from backend.runtime import Runtime, open_runtime
from backend.settings import Settings
from bench.common import percentile, write_results
from bench.ledger import PAGE
from tenants.divisions import national_register
from tests import citus
from tests.factories import seed_round
from tests.helpers import LOG_FINDING, finding_input
from tests.identity import Api, add_user, token_for

# The province's dashboard (graphql/operations/bank.graphql's Dashboard, two of its breakdowns).
DASHBOARD = """query($r: String!) {
    byRegion: bankStatistics(regionCode: $r, by: REGION) { key label total awaitingCloseOut closed overdue completionRate }
    byCategory: bankStatistics(regionCode: $r, by: CATEGORY) { key label total awaitingCloseOut closed overdue completionRate }
    overdueRanking(regionCode: $r, first: 10) { items { key label overdue } } }"""


@contextlib.asynccontextmanager
async def setup(settings: Settings, server_url: str, redis_url: str, *, on_cluster: bool) -> AsyncIterator[Runtime]:
    """A runtime on a new database of `server_url`'s server (on every node of a cluster)."""
    name = f"xuncha_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(asyncpg_dsn(server_url, "postgres"))
    try:
        if on_cluster:
            await citus.create_database(admin, name, None)
        else:
            await admin.execute(f'CREATE DATABASE "{name}"')
        url = server_url.rsplit("/", 1)[0] + f"/{name}"
        async with open_runtime(settings, ServiceUrls(url, redis_url)) as runtime:
            yield runtime
    finally:
        if on_cluster:
            await citus.drop_database(admin, name)
        else:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def timed(call) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def prepare(runtime: Runtime, offices: int) -> dict:
    """Shared schemas, then `offices` of 湖南 (province, 娄底, its counties, then others) built one by one."""
    shared_ms = await timed(runtime.upgrade_shared)
    codes = [
        "430000",
        "431300",
        "431321",
        *[c for c in sorted(national_register()) if c.startswith("43") and c not in {"430000", "431300", "431321"}],
    ]
    provisioner = runtime.provisioner()
    built = [await timed(lambda code=code: provisioner.create(code)) for code in codes[:offices]]
    await seed_round(runtime, "431321")
    return {
        "shared_ms": round(shared_ms),
        "offices": offices,
        "build_p50_ms": round(statistics.median(built)),
        "build_p95_ms": round(percentile(built, 0.95)),
    }


async def one_round(runtime: Runtime, tokens: dict[str, str], requests: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"log_finding": [], "ledger_page": [], "dashboard": []}
    async with Api(runtime) as api:

        async def log() -> None:
            answer = await api.call(LOG_FINDING, tokens["inspector"], i=finding_input())
            assert answer.get("errors") is None, answer

        async def page() -> None:
            assert (await api.call(PAGE, tokens["inspector"])).get("errors") is None

        async def dashboard() -> None:
            answer = await api.call(DASHBOARD, tokens["province"], r="430000")
            assert answer.get("errors") is None, answer

        for _ in range(requests):
            timings["log_finding"].append(await timed(log))
            timings["ledger_page"].append(await timed(page))
            timings["dashboard"].append(await timed(dashboard))
    return timings


async def run(args: argparse.Namespace, settings: Settings, redis_url: str) -> dict:
    unlimited = dataclasses.replace(settings.edge, costly_per_minute=100_000_000, mutations_per_minute=100_000_000)
    settings = dataclasses.replace(settings, spare_pool_size=0, edge=unlimited)  # the build path; no rate limit in the way
    results: dict = {"offices": args.offices, "rounds": args.rounds, "requests_per_round": args.requests}
    with citus.running_cluster() as cluster_url, citus.running_cluster(0, citus=False) as single_url:
        async with (
            setup(settings, cluster_url, redis_url, on_cluster=True) as on_cluster,
            setup(settings, single_url, redis_url, on_cluster=False) as single,
        ):
            runtimes = {"cluster": on_cluster, "single": single}
            tokens = {}
            for label, runtime in runtimes.items():
                results[label] = await prepare(runtime, args.offices)
                tokens[label] = {
                    "inspector": await token_for(runtime, await add_user(runtime, "sf.inspector", ("431321", "inspector", None))),
                    "province": await token_for(runtime, await add_user(runtime, "hunan.reader", ("430000", "reviewer", None))),
                }
            samples: dict[str, dict[str, list[float]]] = {label: {} for label in runtimes}
            for _ in range(args.rounds):  # taking turns
                for label, runtime in runtimes.items():
                    for kind, values in (await one_round(runtime, tokens[label], args.requests)).items():
                        samples[label].setdefault(kind, []).extend(values)
            for label, kinds in samples.items():
                results[label]["median_ms"] = {kind: round(statistics.median(values), 1) for kind, values in kinds.items()}
            results["cluster_over_single"] = {
                kind: round(results["cluster"]["median_ms"][kind] / results["single"]["median_ms"][kind], 2) for kind in samples["single"]
            }
            results["cluster_over_single"]["build_p50"] = round(results["cluster"]["build_p50_ms"] / results["single"]["build_p50_ms"], 2)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="./dev bench citus", description=__doc__.split("\n\n")[0])
    parser.add_argument("--offices", type=int, default=12, help="offices provisioned in each setup (build path)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of requests, the setups taking turns")
    parser.add_argument("--requests", type=int, default=20, help="requests of each kind per round")
    args = parser.parse_args()
    settings = Settings.from_env()
    with running_services(dataclasses.replace(settings, database_url="postgresql://servers-started-here")) as urls:  # Redis only
        results = asyncio.run(run(args, settings, urls.redis_url))
    write_results("citus", results, "./dev bench citus " + " ".join(sys.argv[1:]))
