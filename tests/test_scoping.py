"""Tenant-scoped sessions: concurrent requests to different tenants sharing one pooled
connection never see each other's rows, and an unscoped query fails."""

import asyncio

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import ProgrammingError

from backend.db import create_engine
from backend.units.models import InspectedUnit
from tenants.scoping import tenant_session
from tests.helpers import create_all


async def add_units(engine, code: str, count: int) -> None:
    async with tenant_session(engine, code) as session, session.begin():
        session.add_all(InspectedUnit(credit_code=f"{code}{i:04d}", name=f"{code} 单位 {i}", unit_type="政府机关") for i in range(count))


async def test_concurrent_requests_to_sibling_and_parent_tenants_on_one_connection_stay_apart(runtime):
    await create_all(runtime, "430000", "431300", "431321", "431322")
    # One connection for everybody: the schema must travel with each statement, not the connection.
    engine = create_engine(runtime.urls.database_url, pool_size=1, max_overflow=0, behind_pgbouncer=runtime.settings.behind_pgbouncer)
    try:
        counts = {"431300": 3, "431321": 5, "431322": 2}  # a city and two of its counties
        for code, count in counts.items():
            await add_units(engine, code, count)

        async def request(code: str) -> set[str]:
            async with tenant_session(engine, code) as session:
                rows = (await session.execute(select(InspectedUnit.credit_code))).scalars().all()
                await asyncio.sleep(0)
                return {row[:6] for row in rows}, len(rows)

        codes = list(counts) * 20
        results = await asyncio.gather(*(request(code) for code in codes))
        for code, (prefixes, count) in zip(codes, results, strict=True):
            assert prefixes == {code}
            assert count == counts[code]
    finally:
        await engine.dispose()


async def test_a_model_query_without_a_tenant_fails_loudly(runtime):
    await create_all(runtime, "430000")
    async with runtime.engine.connect() as connection:
        with pytest.raises(ProgrammingError, match="tenant"):
            await connection.execute(select(InspectedUnit))


async def test_a_tenant_session_refuses_a_malformed_code(runtime):
    from tenants.errors import DomainError

    with pytest.raises(DomainError):
        tenant_session(runtime.engine, '431321"; DROP SCHEMA tenancy CASCADE; --')


async def test_a_search_path_set_for_one_transaction_does_not_outlive_it(runtime):
    """Migrations set a tenant's search_path for their transaction (`set_config(…, true)`); on the
    same pooled connection (or, behind PgBouncer, whichever server connection comes next), an
    unqualified name outside a tenant transaction finds no tenant table: the role's default
    `no_tenant` is back."""
    await create_all(runtime, "430000")
    engine = create_engine(runtime.urls.database_url, pool_size=1, max_overflow=0, behind_pgbouncer=runtime.settings.behind_pgbouncer)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT set_config('search_path', 't430000', true)"))
            assert (await connection.execute(text("SELECT count(*) FROM inspected_unit"))).scalar_one() == 0
        async with engine.connect() as connection:
            assert (await connection.execute(text("SHOW search_path"))).scalar_one() == "no_tenant"
            with pytest.raises(ProgrammingError, match="inspected_unit"):
                await connection.execute(text("SELECT count(*) FROM inspected_unit"))
    finally:
        await engine.dispose()
