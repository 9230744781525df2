"""What one request costs the server (issue 9): each kind of the mixed load's requests sent N
times, one at a time, to `xuncha serve` and to the bare stack (bench/bare_stack.py), on the
mixed load's database (built by bench/mixed.py if it is missing). For each kind: the median
latency, the server process's CPU time per request (user + system, read from the OS before
and after) and the database's (every PostgreSQL process on this machine: the pool's backends
live through the measurement), then each weighted by the mix, and ours ÷ bare.

Under the mixed load the API process and PostgreSQL share the two cores, so their CPU per
request decides throughput; measured one request at a time it is not blurred by queueing, and it varies far
less from run to run than a throughput does on a shared 2-core machine. It leaves out what
concurrency adds (pool waits, the event loop's switching), which the mixed load measures.

Usage: ./dev bench cost [--requests N] [--kinds list,detail,...] [--only xuncha|bare]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import time

import httpx
import psutil

from backend.settings import Settings
from bench.common import run_suite, serving_process
from bench.load_client import MIX, Requests, post
from bench.mixed import bench_env, mixed_database, plan_for, server_command

WARMUP_REQUESTS = 20


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def database_cpu_seconds() -> float:
    """CPU time of the PostgreSQL processes running now (a backend that exits takes its own along)."""
    total = 0.0
    for process in psutil.process_iter(["name"]):
        if process.info["name"] == "postgres":
            with contextlib.suppress(psutil.Error):
                total += cpu_seconds(process)
    return total


async def measure_kind(client: httpx.AsyncClient, requests: Requests, server: psutil.Process, kind: str, n: int) -> dict:
    latencies = []
    for i in range(WARMUP_REQUESTS + n):
        if i == WARMUP_REQUESTS:
            cpu_before, database_before = cpu_seconds(server), database_cpu_seconds()
        body, token, write = requests.body(kind)
        started = time.perf_counter()
        ok, answer = await post(client, body, token)
        if not ok:
            raise SystemExit(f"{kind} failed: {str(answer)[:300]}")
        if i >= WARMUP_REQUESTS:
            latencies.append((time.perf_counter() - started) * 1000)
        requests.answered(write, answer)
    cpu_ms = (cpu_seconds(server) - cpu_before) / n * 1000
    database_ms = (database_cpu_seconds() - database_before) / n * 1000
    return {"p50_ms": round(statistics.median(latencies), 2), "cpu_ms": round(cpu_ms, 2), "database_cpu_ms": round(database_ms, 2)}


def weighted(by_kind: dict, measure: str) -> float:
    return round(sum(MIX[kind] * figures[measure] for kind, figures in by_kind.items()) / sum(MIX[k] for k in by_kind), 2)


async def run(args, settings: Settings, urls) -> dict:
    kinds = args.kinds.split(",")
    results: dict = {"requests_per_kind": args.requests, "kinds": kinds, "mix": MIX}
    async with mixed_database(args, settings, urls, results) as runtime:
        env = bench_env(runtime)
        targets = ["xuncha", "bare"] if args.only is None else [args.only]
        for target in targets:
            async with serving_process(server_command(target), env) as (url, server):
                plan = await plan_for(runtime, url, args, runtime.clock.today(), target)
                requests = Requests(plan, random.Random(args.seed), 0, 1)
                by_kind = {}
                async with httpx.AsyncClient(base_url=url, timeout=60) as client:
                    for kind in kinds:
                        by_kind[kind] = await measure_kind(client, requests, psutil.Process(server.pid), kind, args.requests)
                        print(f"{target} {kind}: {by_kind[kind]}", flush=True)
            results[target] = {
                "by_kind": by_kind,
                "weighted_cpu_ms": weighted(by_kind, "cpu_ms"),
                "weighted_database_cpu_ms": weighted(by_kind, "database_cpu_ms"),
                "weighted_p50_ms": weighted(by_kind, "p50_ms"),
            }
    if len(targets) == 2:
        ours, bare = results["xuncha"], results["bare"]
        results["bare_over_ours"] = {
            "cpu_per_request": round(bare["weighted_cpu_ms"] / ours["weighted_cpu_ms"], 2),
            "server_and_database_cpu_per_request": round(
                (bare["weighted_cpu_ms"] + bare["weighted_database_cpu_ms"]) / (ours["weighted_cpu_ms"] + ours["weighted_database_cpu_ms"]),
                2,
            ),
            "by_kind_cpu": {kind: round(bare["by_kind"][kind]["cpu_ms"] / ours["by_kind"][kind]["cpu_ms"], 2) for kind in kinds},
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per kind and server")
    parser.add_argument("--kinds", default=",".join(MIX), help="comma-separated, of " + ", ".join(MIX))
    parser.add_argument("--only", choices=("xuncha", "bare"))
    parser.add_argument("--seed", type=int, default=2026)
    # The mixed load's database (same defaults as bench/mixed.py).
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=500)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    if unknown := set(args.kinds.split(",")) - set(MIX):
        raise SystemExit(f"unknown kinds: {', '.join(sorted(unknown))}")
    args.duration = args.warmup = 0  # what plan_for copies into a plan; unused here
    args.concurrency = 1
    run_suite("cost", run, args)


if __name__ == "__main__":
    main()
