"""The running system's shared parts: settings, service URLs, the engine, the migration
streams, and the arq connection. One per process; CLI commands, the app and the worker
all build it the same way."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend import tracing
from backend.bank.sources import TENANT_SOURCE
from backend.clock import Clock
from backend.db import create_engine, ensure_database_exists
from backend.embedded import ServiceUrls
from backend.identity.service import IdentityService
from backend.notifications.sealing import seal_plain_secrets
from backend.outage import OutageLog
from backend.redis_location import redis_settings
from backend.settings import Settings
from problem_bank import projection
from problem_bank.taxonomy import Taxonomy, TaxonomyCache
from tenants.migration_runner import TenantMigrationRunner, UpgradeSummary
from tenants.provisioning import Provisioner
from tenants.streams import MigrationStreams

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    urls: ServiceUrls
    engine: AsyncEngine
    streams: MigrationStreams
    redis: ArqRedis
    clock: Clock
    taxonomy_cache: TaxonomyCache = field(default_factory=TaxonomyCache)
    tracer_provider: tracing.TracerProvider | None = None  # backend/tracing.py; None: tracing off
    taxonomy_stamp_outage: OutageLog = field(
        default_factory=lambda: OutageLog(log, "taxonomy change stamp not read (the taxonomy reloads by age meanwhile)")
    )

    @property
    def redis_settings(self) -> RedisSettings:
        return redis_settings(self.urls.redis_url)

    async def require_migrated(self) -> None:
        """Refuse to work on a database whose shared schemas are not at this code's head."""
        async with self.engine.connect() as connection:
            exists = (await connection.execute(text("SELECT to_regclass('tenancy.alembic_version')"))).scalar_one()
            current = (await connection.execute(text("SELECT version_num FROM tenancy.alembic_version"))).scalar() if exists else None
        if current != self.streams.shared_head:
            raise SystemExit(f"数据库尚未迁移到当前版本（{current or '空库'} → {self.streams.shared_head}），请先运行 xuncha db upgrade")

    async def taxonomy(self, knowing: str | None = None) -> Taxonomy:
        """The current edition of the violation taxonomy (reloaded if it lacks `knowing`, a code
        a caller is about to use, or if another process changed it)."""
        if self.taxonomy_cache.stamp_due():
            try:
                self.taxonomy_cache.note_stamp(await self.redis.get(self._taxonomy_stamp_key))
            except RedisError:
                self.taxonomy_cache.stamp_missed()
                self.taxonomy_stamp_outage.failed()
            else:
                self.taxonomy_stamp_outage.succeeded()
        return await self.taxonomy_cache.current(self.engine, knowing)

    async def taxonomy_changed(self) -> None:
        """This process changed the taxonomy (a province's kind, a new edition): reload here, and
        move the stamp every other process reads within `TaxonomyCache.stamp_interval`."""
        stamp = uuid.uuid4().hex.encode()  # as Redis gives it back
        self.taxonomy_cache.note_stamp(stamp)  # reloads here, and not again when this process reads its own stamp
        try:
            await self.redis.set(self._taxonomy_stamp_key, stamp)
        except RedisError:
            log.warning("无法更新问题分类的变更标记，其他进程将在一分钟内重新加载", exc_info=True)

    @property
    def _taxonomy_stamp_key(self) -> str:
        return f"{self.settings.redis_prefix}:taxonomy:stamp"

    def identity(self) -> IdentityService:
        return IdentityService(self.engine, self.settings.secret_key, self.clock)

    def provisioner(self) -> Provisioner:
        return Provisioner(self.engine, self.streams, self.settings.lock_timeout)

    def migration_runner(self) -> TenantMigrationRunner:
        return TenantMigrationRunner(
            self.engine,
            self.streams,
            concurrency=self.settings.migration_concurrency,
            lock_timeout=self.settings.lock_timeout,
        )

    async def upgrade_shared(self) -> None:
        """The shared schemas to this code's head; running processes reload the taxonomy (a
        migration may have published an edition)."""
        async with self.engine.begin() as connection:
            await self.streams.upgrade_shared(connection)
        await self.taxonomy_changed()

    async def upgrade_all(self, **progress) -> UpgradeSummary:
        """Shared schemas first (and the data steps that need this deployment's secret key), then
        every tenant schema."""
        await self.upgrade_shared()
        await seal_plain_secrets(self.engine, self.settings.secret_key)
        return await self.migration_runner().upgrade_all(**progress)


@contextlib.asynccontextmanager
async def open_runtime(settings: Settings, urls: ServiceUrls, clock: Clock | None = None) -> AsyncIterator[Runtime]:
    """The runtime on `settings`, its clock the settings' (or `clock`, a test's)."""
    projection.register(TENANT_SOURCE)
    await ensure_database_exists(urls.direct_url)
    engine = create_engine(
        urls.database_url,
        pool_size=settings.pool_size,
        pool_recycle_seconds=settings.pool_recycle_seconds,
        ping_after_idle_seconds=settings.pool_ping_after_idle_seconds,
        behind_pgbouncer=settings.behind_pgbouncer,
    )
    streams = MigrationStreams(settings.migrations_dir, settings.extra_tenant_migrations)
    redis = await create_pool(redis_settings(urls.redis_url), default_queue_name=settings.queue_name)
    provider = tracing.configured_provider(settings)
    if provider is not None:
        tracing.instrument_engine(engine, provider)
    try:
        yield Runtime(
            settings=settings,
            urls=urls,
            engine=engine,
            streams=streams,
            redis=redis,
            clock=clock or settings.clock(),
            tracer_provider=provider,
        )
    finally:
        await redis.aclose()
        await engine.dispose()
        if provider is not None:
            provider.shutdown()  # the spans still queued go out
