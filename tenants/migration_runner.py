"""Upgrading every tenant schema (and every spare) to the tenant stream's head.

Each schema is upgraded in its own transaction, which also records the new version in the
registry, so a schema is never left half-migrated and an interrupted run resumes where it
stopped: the next run only picks schemas whose recorded version is not the head.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import false, select, true, union_all, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tenants.concurrency import for_each_bounded
from tenants.models import SpareSchema, Tenant
from tenants.schema_ops import upgrade_schema
from tenants.streams import MigrationStreams

# A connection that has touched this many schemas is closed rather than pooled again:
# each schema a backend touches stays in its catalog caches (~1 MiB each with the tenant
# schema of revision t0004; 200 schemas grew a migrating backend to 250 MiB).
SCHEMAS_PER_CONNECTION = 50


@dataclass
class UpgradeSummary:
    total: int = 0
    pending: int = 0
    upgraded: int = 0
    # Spares provisioned into tenants while the run went on: the tenant is picked up next run.
    gone: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def already_current(self) -> int:
        return self.total - self.pending

    @property
    def not_attempted(self) -> int:
        """Schemas left for the next run after a fail-fast stop (their transactions rolled back)."""
        return self.pending - self.upgraded - self.gone - len(self.failed)


@dataclass(frozen=True)
class _Target:
    schema: str
    is_spare: bool


class TenantMigrationRunner:
    def __init__(self, engine: AsyncEngine, streams: MigrationStreams, *, concurrency: int = 4, lock_timeout: str = "5s") -> None:
        self.engine = engine
        self.streams = streams
        self.concurrency = concurrency
        self.lock_timeout = lock_timeout

    async def _targets(self) -> tuple[int, list[_Target]]:
        schemas = union_all(
            select(Tenant.schema_name.label("schema"), Tenant.schema_version.label("version"), false().label("is_spare")),
            select(SpareSchema.name, SpareSchema.schema_version, true()),
        ).subquery()
        async with self.engine.connect() as connection:
            rows = (await connection.execute(select(schemas).order_by(schemas.c.schema))).all()
        head = self.streams.tenant_head
        return len(rows), [_Target(schema, is_spare) for schema, version, is_spare in rows if version != head]

    async def upgrade_all(
        self,
        *,
        fail_fast: bool = False,
        on_start: Callable[[int, int], None] | None = None,
        on_schema_done: Callable[[str, str | None], None] | None = None,
    ) -> UpgradeSummary:
        """Upgrade every schema not at the head. `on_start(total, pending)` and
        `on_schema_done(schema, error_or_None)` report progress."""
        started = time.perf_counter()
        summary = UpgradeSummary()
        summary.total, targets = await self._targets()
        summary.pending = len(targets)
        if on_start:
            on_start(summary.total, summary.pending)

        async def upgrade(target: _Target) -> None:
            error = None
            try:
                if await self._upgrade_one(target):
                    summary.upgraded += 1
                else:
                    summary.gone += 1
            except Exception as exc:  # recorded per schema; the run goes on unless fail_fast
                error = f"{type(exc).__name__}: {exc}".splitlines()[0]
                summary.failed[target.schema] = error
            if on_schema_done:
                on_schema_done(target.schema, error)
            if error and fail_fast:
                raise _Stop

        with contextlib.suppress(_Stop):
            await for_each_bounded(targets, upgrade, self.concurrency)
        summary.seconds = time.perf_counter() - started
        return summary

    async def _upgrade_one(self, target: _Target) -> bool:
        """Upgrade one schema; False when it is no longer there (a spare renamed meanwhile)."""
        row: type[SpareSchema | Tenant]
        if target.is_spare:
            row, key = SpareSchema, SpareSchema.name
        else:
            row, key = Tenant, Tenant.schema_name
        async with self.engine.connect() as connection:
            async with connection.begin():
                # Lock the registry row first: provisioning skips locked spares, so a spare
                # cannot be renamed into a tenant while its DDL runs.
                locked = await connection.execute(select(key).where(key == target.schema).with_for_update(key_share=True))
                if locked.scalar_one_or_none() is None:
                    return False
                await upgrade_schema(connection, self.streams, target.schema, self.lock_timeout)
                await connection.execute(update(row).where(key == target.schema).values(schema_version=self.streams.tenant_head))
            touched = connection.info.get("schemas_touched", 0) + 1
            connection.info["schemas_touched"] = touched
            if touched >= SCHEMAS_PER_CONNECTION:
                await connection.invalidate()
        return True


class _Stop(Exception):
    """Raised inside the run to stop launching schemas after a failure (fail_fast)."""
