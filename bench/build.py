"""Building one tenant schema (issue 25, item 1): this checkout's build script against another
checkout's, N builds each, alternating, each variant in a fresh database of its own on the same
server. Each build is what `build_schema` runs: one transaction, CREATE SCHEMA and one script.
Reports the relations of a built schema, the build's p50/p95, and what a schema adds to the
database and to its system catalog (after a CHECKPOINT). Alternating puts both variants under
the same load, so their ratio holds on a shared machine where the absolute times do not.

Usage: ./dev bench build --against /path/to/other/checkout/migrations [--schemas 30]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import asyncpg

from backend.db import asyncpg_dsn
from backend.resources import checkout
from bench.common import percentile, run_suite
from tenants.relations import COUNT
from tenants.streams import MigrationStreams

SIZES = (
    "SELECT pg_database_size(current_database()),"
    " (SELECT sum(pg_total_relation_size(oid)) FROM pg_class WHERE relnamespace = 'pg_catalog'::regnamespace)"
)


async def run(args, settings, urls) -> dict:
    variants = {"this": checkout() / "migrations", "against": Path(args.against)}
    admin = await asyncpg.connect(asyncpg_dsn(urls.direct_url))
    connections: dict[str, asyncpg.Connection] = {}
    scripts: dict[str, str] = {}
    times: dict[str, list[float]] = {}
    before: dict[str, asyncpg.Record] = {}
    for name, migrations in variants.items():
        scripts[name] = MigrationStreams(migrations).tenant_build_sql
        database = f"xuncha_bench_build_{name}"
        await admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {database}")
        connections[name] = await asyncpg.connect(asyncpg_dsn(urls.direct_url, database))
        await connections[name].execute("CHECKPOINT")
        before[name] = await connections[name].fetchrow(SIZES)
        times[name] = []
    for n in range(args.schemas):
        for name in variants if n % 2 == 0 else reversed(variants):
            connection = connections[name]
            started = time.perf_counter()
            async with connection.transaction():
                await connection.execute(f"CREATE SCHEMA t{n:06d}; SET LOCAL search_path = t{n:06d}")
                await connection.execute(scripts[name])
            times[name].append((time.perf_counter() - started) * 1000)
    results: dict = {"schemas_each": args.schemas, "against": str(args.against)}
    for name, connection in connections.items():
        await connection.execute("CHECKPOINT")
        after = await connection.fetchrow(SIZES)
        counts = await connection.fetch(COUNT.text.replace(":schema", "$1"), "t000000")
        results[name] = {
            "relations": sum(row["n"] for row in counts),
            "build_p50_ms": round(statistics.median(times[name]), 1),
            "build_p95_ms": round(percentile(times[name], 0.95), 1),
            "database_kib_per_schema": round((after[0] - before[name][0]) / args.schemas / 1024),
            "catalog_kib_per_schema": round(float(after[1] - before[name][1]) / args.schemas / 1024),
        }
        await connection.close()
        await admin.execute(f"DROP DATABASE xuncha_bench_build_{name} WITH (FORCE)")
    await admin.close()
    results["this_over_against_build_p50"] = round(results["this"]["build_p50_ms"] / results["against"]["build_p50_ms"], 2)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", required=True, help="the other checkout's migrations/ directory")
    parser.add_argument("--schemas", type=int, default=30, help="schemas built per variant")
    run_suite("build", run, parser.parse_args())


if __name__ == "__main__":
    main()
