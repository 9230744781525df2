"""Small readers of the database state that tests compare before and after."""

from __future__ import annotations

from sqlalchemy import text

from backend.runtime import Runtime


async def tenant_schemas(runtime: Runtime) -> set[str]:
    """Every tenant and spare schema in the database."""
    query = text("SELECT nspname FROM pg_namespace WHERE nspname ~ '^(t[0-9]{6}|spare_[0-9]{6})$'")
    async with runtime.engine.connect() as connection:
        return set((await connection.execute(query)).scalars())


async def registry_rows(runtime: Runtime) -> list[tuple]:
    query = text("SELECT code, name, level, parent_code, province_code, city_code, schema_name FROM tenancy.tenant ORDER BY code")
    async with runtime.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(query)]


async def database_state(runtime: Runtime) -> tuple:
    """What a refused request must leave unchanged: the registry, the schemas, the spares."""
    async with runtime.engine.connect() as connection:
        spares = (await connection.execute(text("SELECT name FROM tenancy.spare_schema ORDER BY name"))).scalars().all()
    return await registry_rows(runtime), await tenant_schemas(runtime), spares


async def create_all(runtime: Runtime, *codes: str) -> None:
    provisioner = runtime.provisioner()
    for code in codes:
        await provisioner.create(code)


async def seed_round(runtime: Runtime, *codes: str) -> None:
    """In each tenant: unit 1 (财政局, a government organ) and round 1 (a 巡察 from 2026-09-01)
    covering it, enough to log findings against."""
    async with runtime.engine.begin() as connection:
        for code in codes:
            await connection.execute(
                text(f"INSERT INTO t{code}.inspected_unit (credit_code, name, unit_type) VALUES ('UNIT00000001', '财政局', '政府机关')")
            )
            await connection.execute(
                text(f"INSERT INTO t{code}.inspection_round (kind, name, starts_on) VALUES ('巡察', '第一轮', '2026-09-01')")
            )
            await connection.execute(text(f"INSERT INTO t{code}.round_unit VALUES (1, 1)"))
