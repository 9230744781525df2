"""Tenancy benchmarks (issue 2), all in one run on one fresh database:

1. provision the whole country from empty (`import_tenants` over the national register);
2. provision one tenant while the country exists: spare-pool path vs build path;
3. an additive migration (a column and an index on 3 tables) across every tenant schema;
4. catalog size and backend memory at that scale.

Usage: ./dev bench tenancy [--limit N] [--concurrency C] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import resource
import statistics
import threading
import time

import psutil
from sqlalchemy import text

from backend.embedded import ServiceUrls, running_services
from backend.resources import checkout
from backend.settings import Settings
from bench.common import bench_runtime, percentile, server_version, write_results
from tenants.bulk_import import ImportLine, import_tenants
from tenants.divisions import national_register
from tenants.migration_runner import TenantMigrationRunner
from tenants.streams import MigrationStreams

STAGED_ADDITIVE = checkout() / "tests" / "staged_migrations" / "additive"


def private_memory(process: psutil.Process) -> int:
    """Memory only this process holds (USS): RSS would count the shared buffers it touched."""
    return process.memory_full_info().uss


class BackendMemorySampler:
    """Samples the private memory of the app's backend processes in a thread; keeps the peak."""

    def __init__(self, postmaster_pid: int) -> None:
        self.postmaster = psutil.Process(postmaster_pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for child in self.postmaster.children():
                try:
                    if "xuncha" in " ".join(child.cmdline()):
                        self.peak = max(self.peak, private_memory(child))
                except psutil.Error:
                    pass
            self._stop.wait(0.1)

    def __enter__(self) -> BackendMemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


async def postmaster_pid(runtime) -> int:
    async with runtime.engine.connect() as connection:
        backend = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    return psutil.Process(backend).ppid()


async def provision_country(runtime, limit: int | None, concurrency: int) -> dict:
    divisions = sorted(national_register().values(), key=lambda d: d.code)
    if limit:
        divisions = divisions[:limit]
    lines = [ImportLine(n, d.code, None, None) for n, d in enumerate(divisions, start=1)]
    done = 0
    started = time.perf_counter()

    def tick(_):
        nonlocal done
        done += 1
        if done % 250 == 0:
            print(f"  provisioned {done}/{len(lines)} in {time.perf_counter() - started:.1f}s", flush=True)

    report = await import_tenants(runtime.provisioner(), lines, concurrency=concurrency, on_provisioned=tick)
    seconds = time.perf_counter() - started
    return {"tenants": len(report.provisioned), "seconds": round(seconds, 1), "per_second": round(len(report.provisioned) / seconds, 1)}


async def synthetic_counties(runtime, count: int) -> list[str]:
    """County codes no real division has (PPCC90..99), under provisioned cities."""
    register = national_register()
    async with runtime.engine.connect() as connection:
        cities = (await connection.execute(text("SELECT code FROM tenancy.tenant WHERE level = 'city' ORDER BY code"))).scalars().all()
    codes = [city[:4] + f"{suffix:02d}" for suffix in range(99, 89, -1) for city in cities]
    return [code for code in codes if code not in register][:count]


async def provision_one(runtime, samples: int) -> dict:
    provisioner = runtime.provisioner()
    await provisioner.refill_spares(samples)
    codes = await synthetic_counties(runtime, 2 * samples)
    spare, built = [], []
    for code in codes[:samples]:
        result = await provisioner.create(code, name=f"测试县{code}", parent_code=code[:4] + "00")
        assert result.from_spare
        spare.append(result.seconds * 1000)
    for code in codes[samples:]:
        result = await provisioner.create(code, name=f"测试县{code}", parent_code=code[:4] + "00")
        assert not result.from_spare
        built.append(result.seconds * 1000)
    p50_spare, p50_built = statistics.median(spare), statistics.median(built)
    return {
        "samples_each": samples,
        "spare_p50_ms": round(p50_spare, 2),
        "spare_p95_ms": round(percentile(spare, 0.95), 2),
        "built_p50_ms": round(p50_built, 2),
        "built_p95_ms": round(percentile(built, 0.95), 2),
        "built_over_spare_p50": round(p50_built / p50_spare, 1),
    }


async def additive_migration(runtime, concurrency: int) -> dict:
    streams = MigrationStreams(runtime.settings.migrations_dir, (STAGED_ADDITIVE,))
    runner = TenantMigrationRunner(runtime.engine, streams, concurrency=concurrency, lock_timeout="5s")
    with BackendMemorySampler(await postmaster_pid(runtime)) as sampler:
        summary = await runner.upgrade_all()
    assert not summary.failed, summary.failed
    return {
        "schemas": summary.upgraded,
        "seconds": round(summary.seconds, 1),
        "per_second": round(summary.upgraded / summary.seconds, 1),
        "concurrency": concurrency,
        "peak_backend_private_mib": round(sampler.peak / 2**20, 1),
    }


async def catalog_and_memory(runtime) -> dict:
    async with runtime.engine.connect() as connection:
        sizes = (
            await connection.execute(
                text(
                    "SELECT pg_database_size(current_database()), "
                    "(SELECT sum(pg_total_relation_size(oid)) FROM pg_class WHERE relnamespace = 'pg_catalog'::regnamespace), "
                    "(SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_namespace WHERE nspname ~ '^t[0-9]{6}$')"
                )
            )
        ).one()
        schemas = (await connection.execute(text("SELECT schema_name FROM tenancy.tenant ORDER BY code"))).scalars().all()
    # One connection touching every schema once, a transaction each (one transaction would
    # hold a lock per table): what an unrecycled pooled connection grows to.
    async with runtime.engine.connect() as connection:
        backend = psutil.Process((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())
        await connection.commit()
        before = private_memory(backend)
        for schema in schemas:
            await connection.execute(text(f'SELECT count(*) FROM "{schema}".inspected_unit'))
            await connection.commit()
        after = private_memory(backend)
        await connection.invalidate()
    return {
        "database_mib": round(sizes[0] / 2**20, 1),
        "catalog_mib": round(float(sizes[1]) / 2**20, 1),
        "pg_class_rows": sizes[2],
        "tenant_schemas": sizes[3],
        "one_connection_touching_all_private_mib": {"before": round(before / 2**20, 1), "after": round(after / 2**20, 1)},
        "python_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


async def run(args, settings: Settings, urls: ServiceUrls) -> dict:
    results: dict = {}
    async with bench_runtime(settings, urls, keep=args.keep) as runtime:
        results["postgres"] = await server_version(runtime)
        print("1. provisioning the country …", flush=True)
        results["provision_country"] = await provision_country(runtime, args.limit, args.concurrency)
        print("2. provisioning one tenant …", flush=True)
        results["provision_one"] = await provision_one(runtime, args.samples)
        print("3. additive migration across all schemas …", flush=True)
        results["additive_migration"] = await additive_migration(runtime, args.migration_concurrency)
        print("4. catalog size and memory …", flush=True)
        results["catalog_and_memory"] = await catalog_and_memory(runtime)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="provision only the first N divisions (a quick run)")
    parser.add_argument("--concurrency", type=int, default=2, help="tenants provisioned at once")
    parser.add_argument("--migration-concurrency", type=int, default=4)
    parser.add_argument("--samples", type=int, default=50, help="single provisions per path")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    settings = dataclasses.replace(Settings.from_env(), pool_size=max(args.concurrency, args.migration_concurrency) + 2)
    with running_services(settings) as urls:
        results = asyncio.run(run(args, settings, urls))
    options = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v not in (None, False))
    write_results("tenancy", results, f"./dev bench tenancy {options}")


if __name__ == "__main__":
    main()
