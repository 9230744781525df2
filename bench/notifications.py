"""Notification benchmarks (issue 6), with the worker as its own `xuncha worker` process
(the relay inside it, woken by LISTEN/NOTIFY):

1. Fan-out: one event, a problem list pushed to 1,000 offices, reaching the inboxes of their
   10,000 users (10 per office), timed from the commit of the event to the last inbox row.
   Target: under 20 s.
2. Commit to inbox: single events (a finding logged, to one liaison), one after another,
   each timed from its commit to its inbox row. Target: p95 under 500 ms.

The registry holds the whole national register (3,218 offices, no tenant schemas: the path
measured reads shared tables only).

Usage: ./dev bench notifications [--offices N] [--per-office N] [--single N] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid

from sqlalchemy import text

from backend.notifications.outbox import emit
from backend.resources import checkout
from backend.settings import Settings
from bench.common import bench_runtime, percentile, register_offices, run_suite, server_version

POLL_SECONDS = 0.005


async def seed_users(runtime, offices: list[str], per_office: int) -> None:
    """`per_office` inspectors in each office, and one liaison of unit 1 in the first."""
    async with runtime.engine.begin() as connection:
        await connection.execute(
            text("""
            INSERT INTO identity.user_account (username, display_name, password_hash)
            SELECT 'u' || o.n || '_' || g, '用户', 'x' FROM unnest(CAST(:offices AS text[])) WITH ORDINALITY AS o(code, n),
                 generate_series(1, :per) g"""),
            {"offices": offices, "per": per_office},
        )
        await connection.execute(
            text("""
            INSERT INTO identity.membership (user_id, tenant_code, role)
            SELECT u.id, o.code, 'inspector' FROM unnest(CAST(:offices AS text[])) WITH ORDINALITY AS o(code, n)
            JOIN identity.user_account u ON u.username LIKE 'u' || o.n || '\\_%'"""),
            {"offices": offices},
        )
        liaison = (
            await connection.execute(
                text(
                    "INSERT INTO identity.user_account (username, display_name, password_hash) VALUES ('liaison', '联络员', 'x') RETURNING id"
                )
            )
        ).scalar_one()
        await connection.execute(
            text("INSERT INTO identity.membership (user_id, tenant_code, role, unit_id) VALUES (:u, :c, 'liaison', 1)"),
            {"u": liaison, "c": offices[0]},
        )


def start_worker(runtime) -> subprocess.Popen:
    namespace = f"xuncha-bench-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": runtime.urls.database_url,
        "REDIS_URL": runtime.urls.redis_url,
        "XUNCHA_QUEUE_NAME": namespace,
        "XUNCHA_REDIS_PREFIX": namespace,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "backend", "worker"], env=env, cwd=checkout(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def emitted(runtime, tenant_code: str, event_type: str, payload: dict) -> tuple[int, float]:
    """Commit one event; its id and the moment of the commit."""
    async with runtime.engine.begin() as connection:
        await emit(connection, tenant_code, event_type, payload)
        event_id = (await connection.execute(text("SELECT max(id) FROM notify.outbox"))).scalar_one()
    return event_id, time.perf_counter()


async def delivered(runtime, event_id: int, expected: int, timeout: float) -> float:
    """Wait until the event has `expected` inbox rows; the moment it did."""
    deadline = time.perf_counter() + timeout
    async with runtime.engine.connect() as connection:
        while True:
            count = (
                await connection.execute(text("SELECT count(*) FROM notify.notification WHERE event_id = :e"), {"e": event_id})
            ).scalar_one()
            await connection.commit()
            if count >= expected:
                return time.perf_counter()
            if time.perf_counter() > deadline:
                raise SystemExit(f"event {event_id}: {count} of {expected} inbox rows after {timeout} s")
            await asyncio.sleep(POLL_SECONDS)


async def fan_out(runtime, offices: list[str], recipients: int) -> float:
    event_id, committed = await emitted(
        runtime,
        offices[0],
        "problem_list.pushed",
        {"list_id": 0, "title": "超编进人问题清单", "respond_by": "2026-12-31", "note": "请对照自查", "tenant_codes": offices},
    )
    return await delivered(runtime, event_id, recipients, 120) - committed


async def single(runtime, office: str, n: int) -> float:
    event_id, committed = await emitted(
        runtime,
        office,
        "finding.logged",
        {"finding_id": n, "finding_code": f"B{n:06d}", "unit_id": 1, "deadline": "2026-12-31", "description": "超编"},
    )
    return await delivered(runtime, event_id, 1, 30) - committed


async def run(args, settings: Settings, urls) -> dict:
    async with bench_runtime(settings, urls) as runtime:
        offices = [row.code for row in await register_offices(runtime) if row.level == "county"][: args.offices]
        await seed_users(runtime, offices, args.per_office)
        worker = start_worker(runtime)
        try:
            await single(runtime, offices[0], 0)  # the worker is up and warm
            latencies = [await single(runtime, offices[0], n) for n in range(1, args.single + 1)]
            fan_outs = [await fan_out(runtime, offices, len(offices) * args.per_office) for _ in range(args.rounds)]
        finally:
            worker.terminate()
            worker.wait(30)
        return {
            "postgres": await server_version(runtime),
            "offices": len(offices),
            "recipients": len(offices) * args.per_office,
            "fan_out_seconds": [round(s, 2) for s in fan_outs],
            "fan_out_median_seconds": round(statistics.median(fan_outs), 2),
            "fan_out_recipients_per_second": round(len(offices) * args.per_office / statistics.median(fan_outs)),
            "commit_to_inbox_ms": {
                "events": len(latencies),
                "p50": round(percentile(latencies, 0.5) * 1000, 1),
                "p95": round(percentile(latencies, 0.95) * 1000, 1),
                "p99": round(percentile(latencies, 0.99) * 1000, 1),
                "max": round(max(latencies) * 1000, 1),
            },
        }


def main() -> None:
    parser = argparse.ArgumentParser(prog="./dev bench notifications", description=__doc__.split("\n\n")[0])
    parser.add_argument("--offices", type=int, default=1000)
    parser.add_argument("--per-office", type=int, default=10)
    parser.add_argument("--single", type=int, default=200, help="single events timed one after another")
    parser.add_argument("--rounds", type=int, default=3, help="fan-outs timed")
    args = parser.parse_args()
    run_suite("notifications", run, args)
