"""The mixed-load benchmark's machinery on a small database: the generator fills real tenant
schemas consistently with the bank, and the load client drives both `xuncha serve` and the
bare stack through every kind of request without an error (bench/mixed.py, issue 9)."""

from __future__ import annotations

from argparse import Namespace

from sqlalchemy import select, text

from backend.clock import office_today
from bench.load_client import MIX
from bench.mixed import measure, populate, server_env
from tenants.models import Tenant
from tests.helpers import create_all

CODES = ("430000", "431300", "431302", "431381", "431382")


async def test_mixed_load_runs_against_both_servers(runtime):
    await create_all(runtime, *CODES)
    async with runtime.engine.connect() as connection:
        tenants = (await connection.execute(
            select(Tenant.code, Tenant.name, Tenant.level, Tenant.province_code, Tenant.city_code).order_by(Tenant.code))).all()
    today = office_today()
    built = await populate(runtime, tenants, 1000, 3, 2026, today)
    assert built["offices_with_findings"] == len(CODES)
    async with runtime.engine.connect() as connection:
        counts = [(await connection.execute(text(f"SELECT count(*) FROM t{code}.finding"))).scalar_one() for code in CODES]
        bank = (await connection.execute(text("SELECT count(*) FROM problem_bank.problem"))).scalar_one()
    assert sum(counts) == bank == 1000

    args = Namespace(duration=3, warmup=0.5, concurrency=2, seed=1, profile=0)
    for target in ("xuncha", "bare"):
        result = await measure(runtime, args, today, target, server_env(runtime), "test")
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
