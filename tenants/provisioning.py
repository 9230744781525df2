"""Provisioning tenants: a spare pre-built schema renamed into place (fast path, well under
a millisecond of DDL) or, when the pool is empty, a schema built from the tenant stream.
The schema, the registry row and the spare's removal commit together or not at all."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tenants.divisions import Level, possible_parents
from tenants.errors import DomainError
from tenants.models import SpareSchema, Tenant
from tenants.naming import quoted_schema, spare_schema_name
from tenants.organs import Organ, office_values
from tenants.registry import TenantSpec, plan_tenant, registered_levels
from tenants.schema_ops import build_schema
from tenants.streams import MigrationStreams

UNIQUE_VIOLATION = "23505"
DUPLICATE_SCHEMA = "42P06"


@dataclass(frozen=True)
class Provisioned:
    spec: TenantSpec
    from_spare: bool
    seconds: float


class Provisioner:
    def __init__(self, engine: AsyncEngine, streams: MigrationStreams, lock_timeout: str = "5s") -> None:
        self.engine = engine
        self.streams = streams
        self.lock_timeout = lock_timeout

    async def create(
        self,
        code: str,
        *,
        name: str | None = None,
        parent_code: str | None = None,
        also: Callable[[AsyncConnection, TenantSpec], Awaitable[None]] | None = None,
    ) -> Provisioned:
        """Validate and provision one tenant; `also` runs in the same transaction (an audit
        record, say). Raises DomainError (nothing changed) on bad input."""
        started = time.perf_counter()
        async with self.engine.begin() as connection:
            lookup = [code, *possible_parents(code)] if parent_code is None else [code, parent_code]
            levels = await registered_levels(connection, lookup)
            spec = plan_tenant(code, levels, name=name, parent_code=parent_code)
            from_spare = await self._provision(connection, spec, levels)
            if also:
                await also(connection, spec)
        return Provisioned(spec, from_spare, time.perf_counter() - started)

    async def create_planned(self, spec: TenantSpec, levels: dict[str, Level]) -> Provisioned:
        """Provision a tenant already checked by `plan_tenant` (bulk import)."""
        started = time.perf_counter()
        async with self.engine.begin() as connection:
            from_spare = await self._provision(connection, spec, levels)
        return Provisioned(spec, from_spare, time.perf_counter() - started)

    async def _provision(self, connection: AsyncConnection, spec: TenantSpec, levels: dict[str, Level]) -> bool:
        try:
            from_spare = await self._rename_spare(connection, spec.schema_name)
            if not from_spare:
                await build_schema(connection, self.streams, spec.schema_name, self.lock_timeout)
            await connection.execute(
                insert(Tenant).values(
                    code=spec.code,
                    name=spec.name,
                    level=spec.level.value,
                    parent_code=spec.parent_code,
                    province_code=spec.province_code,
                    city_code=spec.city_code(levels),
                    schema_name=spec.schema_name,
                    schema_version=self.streams.tenant_head,
                )
            )
            await connection.execute(insert(Organ).values(office_values(spec.code, spec.name, spec.level)))
        except DBAPIError as error:
            state = getattr(error.orig, "sqlstate", None)
            if state == UNIQUE_VIOLATION:
                raise DomainError("DUPLICATE", f"代码 {spec.code} 的单位已经开通", field="code") from error
            if state == DUPLICATE_SCHEMA:
                raise DomainError("DUPLICATE", f"schema {spec.schema_name} 已经存在", field="code") from error
            raise
        return from_spare

    async def _rename_spare(self, connection: AsyncConnection, schema: str) -> bool:
        spare = (
            await connection.execute(
                select(SpareSchema.name)
                .where(SpareSchema.schema_version == self.streams.tenant_head)
                .order_by(SpareSchema.name)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()
        if spare is None:
            return False
        await connection.execute(delete(SpareSchema).where(SpareSchema.name == spare))
        await connection.execute(text(f"ALTER SCHEMA {quoted_schema(spare)} RENAME TO {quoted_schema(schema)}"))
        return True

    async def _ready_spares(self, connection: AsyncConnection) -> int:
        query = select(func.count()).where(SpareSchema.schema_version == self.streams.tenant_head)
        return (await connection.execute(query)).scalar_one()

    async def spare_count(self) -> int:
        async with self.engine.connect() as connection:
            return await self._ready_spares(connection)

    async def refill_spares(self, target: int, progress: Callable[[], None] | None = None) -> int:
        """Build spare schemas until `target` are ready at the current head; return how many
        were built. Concurrent refills take turns (an advisory lock), so they never overshoot."""
        built = 0
        while True:
            async with self.engine.begin() as connection:
                await connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('xuncha.spare_refill'))"))
                if await self._ready_spares(connection) >= target:
                    return built
                number = (await connection.execute(text("SELECT nextval('tenancy.spare_schema_number')"))).scalar_one()
                name = spare_schema_name(number)
                version = await build_schema(connection, self.streams, name, self.lock_timeout)
                await connection.execute(insert(SpareSchema).values(name=name, schema_version=version))
            built += 1
            if progress:
                progress()


def by_level(specs: Iterable[TenantSpec]) -> list[list[TenantSpec]]:
    """Specs grouped province → city → county, so parents are provisioned before children."""
    order = [Level.PROVINCE, Level.CITY, Level.COUNTY]
    groups: dict[Level, list[TenantSpec]] = {level: [] for level in order}
    for spec in specs:
        groups[spec.level].append(spec)
    return [groups[level] for level in order if groups[level]]
