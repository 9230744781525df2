"""The mixed-load benchmark's machinery on a small database: the generator fills real tenant
schemas consistently with the bank, and the load client drives both `xuncha serve` and the
bare stack through every kind of request without an error (bench/mixed.py, issue 9), and the
cost suite measures each kind on both (bench/cost.py)."""

from __future__ import annotations

import random
from argparse import Namespace
from datetime import date

import httpx
import psutil
from sqlalchemy import select, text

from backend.clock import Clock
from bench.common import serving_process
from bench.cost import measure_kind
from bench.load_client import MIX, Requests
from bench.mixed import alternate, plan_for, populate, server_command, server_env
from tenants.models import Tenant
from tests.helpers import create_all

CODES = ("430000", "431300", "431302", "431381", "431382")


async def populated(runtime, findings: int) -> tuple[dict, date]:
    """CODES provisioned and `findings` findings spread over them by the benchmark's generator:
    what it built, and the day it built for."""
    await create_all(runtime, *CODES)
    async with runtime.engine.connect() as connection:
        tenants = (
            await connection.execute(
                select(Tenant.code, Tenant.name, Tenant.level, Tenant.province_code, Tenant.city_code).order_by(Tenant.code)
            )
        ).all()
    today = Clock().today()
    return await populate(runtime, tenants, findings, 3, 2026, today), today


async def test_mixed_load_runs_against_both_servers(runtime):
    built, today = await populated(runtime, 1000)
    assert built["offices_with_findings"] == len(CODES)
    async with runtime.engine.connect() as connection:
        counts = [(await connection.execute(text(f"SELECT count(*) FROM t{code}.finding"))).scalar_one() for code in CODES]
        bank = (await connection.execute(text("SELECT count(*) FROM problem_bank.problem"))).scalar_one()
    assert sum(counts) == bank == 1000

    args = Namespace(duration=4, rounds=2, warmup=0.5, concurrency=2, seed=1, profile=0)
    results = await alternate(runtime, args, today, {"xuncha": server_env(runtime), "bare": server_env(runtime)}, "test")
    for result in results.values():
        assert len(result["per_second_by_round"]) == 2 and all(rate > 0 for rate in result["per_second_by_round"])
        assert result["overall"]["errors"] == 0, result["error_samples"]
        assert result["overall"]["requests"] > 20
        for kind in ("list", "detail", "search", "write"):
            assert result["by_kind"][kind]["requests"] > 0, (kind, result["by_kind"])
        assert set(result["by_kind"]) == set(MIX)
    async with runtime.engine.connect() as connection:
        actors = set()
        for code in CODES:
            actors |= set((await connection.execute(text(f"SELECT DISTINCT actor FROM t{code}.ledger_event"))).scalars())
    assert "bare" in actors and any(actor.startswith("mx") for actor in actors)  # both servers' writes went through


async def test_request_cost_measures_each_kind_on_both_servers(runtime):
    """bench/cost.py: every kind answered one at a time, with the server's CPU per request."""
    _, today = await populated(runtime, 500)
    args = Namespace(duration=0, warmup=0, concurrency=1, seed=1)
    for target in ("xuncha", "bare"):
        async with serving_process(server_command(target), server_env(runtime)) as (url, server):
            plan = await plan_for(runtime, url, args, today, target)
            requests = Requests(plan, random.Random(1), 0, 1)
            async with httpx.AsyncClient(base_url=url, timeout=60) as client:
                by_kind = {kind: await measure_kind(client, requests, psutil.Process(server.pid), kind, 3) for kind in MIX}
        # The OS counts CPU time in clock ticks (10 ms): three quick requests may read as none.
        assert all(f["p50_ms"] > 0 and f["cpu_ms"] >= 0 for f in by_kind.values()), (target, by_kind)
        assert sum(f["cpu_ms"] for f in by_kind.values()) > 0, (target, by_kind)
