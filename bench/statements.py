"""./dev bench statements (issues 24.3 and 25.3(a)): what keeping prepared statements is worth, and
what SQL text shared across tenants would add, on one database with T provisioned tenants.

A "request" is eight ORM reads (a finding page's joins, a ledger entry by id, a round with its
units, …) of one tenant drawn at random, the way the API reads: C clients at once, each request
on a pooled connection. The tables are nearly empty, so what is measured is what differs between
the ways of running: round trips, PostgreSQL parsing and planning, asyncpg's preparing.

The ways, each with its own engine (pool of C), taking turns in R rounds of D/R seconds:
- `qualified`: today's code: schema_translate_map writes the tenant's schema into the SQL text
  (each tenant's statements are texts of their own); autocommit reads; statements cached
  (asyncpg and SQLAlchemy keep 100 per connection).
- `no-cache`: the same with nothing kept (`XUNCHA_PGBOUNCER`'s engine), on the server directly.
- `pgbouncer`: the same through a PgBouncer in transaction mode (tests/pgbouncer.py starts it).
- `qualified-tx`: `qualified` inside a transaction (BEGIN … COMMIT around the request).
- `shared-text`: the tenant placeholder translated to no schema and `set_config('search_path',
  tenant, true)` first in the transaction: every tenant's statements are the same texts, cached
  once per connection (issue 25.3(a)). Compare it with `qualified-tx`: same round trips, text
  shared or not.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.db import any_of, create_engine
from backend.embedded import ServiceUrls, running_services
from backend.findings.models import Finding
from backend.ledger.models import LedgerEntry, LedgerEvent
from backend.plans.models import RectificationTask
from backend.rounds.models import InspectionRound, RoundMember, RoundUnit
from backend.settings import Settings
from backend.staff.models import StaffRecord
from backend.units.models import InspectedUnit
from bench.common import bench_runtime, percentile, server_version, write_results
from bench.tenancy import provision_country
from tenants.naming import TENANT_SCHEMA_PLACEHOLDER, schema_for_code
from tenants.scoping import reading, tenant_engine
from tests.pgbouncer import running_pgbouncer

STATEMENTS = (
    select(Finding, InspectedUnit.name, InspectionRound.name, LedgerEntry.state)
    .join(InspectedUnit, InspectedUnit.id == Finding.unit_id)
    .join(InspectionRound, InspectionRound.id == Finding.round_id)
    .outerjoin(LedgerEntry, LedgerEntry.finding_id == Finding.id)
    .order_by(Finding.id.desc())
    .limit(50),
    select(LedgerEntry).where(any_of(LedgerEntry.id, "ids")),
    select(LedgerEvent).where(any_of(LedgerEvent.finding_id, "ids")).order_by(LedgerEvent.id),
    select(InspectionRound).order_by(InspectionRound.id.desc()).limit(20),
    select(RoundUnit, InspectedUnit.name)
    .join(InspectedUnit, InspectedUnit.id == RoundUnit.unit_id)
    .where(any_of(RoundUnit.round_id, "ids")),
    select(RoundMember).where(any_of(RoundMember.round_id, "ids")),
    select(RectificationTask).where(any_of(RectificationTask.id, "ids")),
    select(StaffRecord).where(any_of(StaffRecord.id, "ids")).limit(20),
)
IDS = {"ids": [1, 2, 3]}


def unqualified(engine: AsyncEngine) -> AsyncEngine:
    """`engine` sending tenant tables unqualified: the placeholder schema taken out of the text
    (schema_translate_map cannot: it turns None into the default schema, `no_tenant`). A
    prototype's shortcut; the app would declare the tenant models without a schema instead."""
    placeholder = f"{TENANT_SCHEMA_PLACEHOLDER}."

    @event.listens_for(engine.sync_engine, "before_cursor_execute", retval=True)
    def strip(conn, cursor, statement, parameters, context, executemany):
        return statement.replace(placeholder, ""), parameters

    return engine


async def read_all(connection) -> None:
    for statement in STATEMENTS:
        (await connection.execute(statement, IDS)).all()


async def request(way: str, engine: AsyncEngine, code: str) -> None:
    if way in {"qualified", "no-cache", "pgbouncer"}:
        async with tenant_engine(reading(engine), code).connect() as connection:
            await read_all(connection)
    elif way == "qualified-tx":
        async with tenant_engine(engine, code).begin() as connection:
            await read_all(connection)
    else:  # shared-text
        async with engine.begin() as connection:
            await connection.execute(text("SELECT set_config('search_path', :path, true)"), {"path": schema_for_code(code)})
            await read_all(connection)


async def load(way: str, engine: AsyncEngine, codes: list[str], seconds: float, clients: int, rng: random.Random) -> list[float]:
    latencies: list[float] = []
    stop = time.monotonic() + seconds

    async def client() -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            await request(way, engine, rng.choice(codes))
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


async def run(args, settings: Settings, urls: ServiceUrls) -> dict:
    results: dict = {}
    async with bench_runtime(settings, urls) as runtime:
        results["postgres"] = await server_version(runtime)
        print(f"provisioning {args.tenants} tenants …", flush=True)
        await provision_country(runtime, args.tenants, 2)
        async with runtime.engine.connect() as connection:
            codes = list((await connection.execute(text("SELECT code FROM tenancy.tenant ORDER BY code"))).scalars())
        url = runtime.urls.database_url
        with running_pgbouncer(url) as pooled:
            engines = {
                "qualified": create_engine(url, pool_size=args.clients, max_overflow=0),
                "no-cache": create_engine(url, pool_size=args.clients, max_overflow=0, behind_pgbouncer=True),
                "pgbouncer": create_engine(pooled, pool_size=args.clients, max_overflow=0, behind_pgbouncer=True),
                "qualified-tx": create_engine(url, pool_size=args.clients, max_overflow=0),
                "shared-text": unqualified(create_engine(url, pool_size=args.clients, max_overflow=0)),
            }
            rng = random.Random(args.seed)
            for tenants in args.spread:
                drawn = rng.sample(codes, min(tenants, len(codes)))
                rates: dict[str, list[float]] = {way: [] for way in engines}
                latencies: dict[str, list[float]] = {way: [] for way in engines}
                for way, engine in engines.items():  # warm-up: connections open, types introspected
                    await load(way, engine, drawn, 1, args.clients, rng)
                for round_number in range(args.rounds):
                    for way in engines if round_number % 2 == 0 else reversed(engines):
                        taken = await load(way, engines[way], drawn, args.duration / args.rounds, args.clients, rng)
                        rates[way].append(len(taken) / (args.duration / args.rounds))
                        latencies[way] += taken
                results[f"{tenants}_tenants"] = {
                    way: {
                        "requests_per_second_median": round(statistics.median(rates[way]), 1),
                        "rounds": [round(rate, 1) for rate in rates[way]],
                        "p50_ms": round(percentile(latencies[way], 0.5) * 1000, 2),
                        "p95_ms": round(percentile(latencies[way], 0.95) * 1000, 2),
                    }
                    for way in engines
                }
                print(
                    f"{tenants} tenants: "
                    + ", ".join(f"{way} {r['requests_per_second_median']}/s" for way, r in results[f"{tenants}_tenants"].items()),
                    flush=True,
                )
            for engine in engines.values():
                await engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=300, help="tenants provisioned (the first N divisions)")
    parser.add_argument("--spread", type=int, nargs="+", default=[5, 300], help="how many tenants the requests spread over (each a pass)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=50, help="seconds per way and pass, split over the rounds")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with running_services(Settings.from_env()) as urls:
        results = asyncio.run(run(args, Settings.from_env(), urls))
    options = " ".join(f"--{k} {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in vars(args).items())
    write_results("statements", results, f"./dev bench statements {options}")


if __name__ == "__main__":
    main()
