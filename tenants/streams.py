"""The two Alembic streams under `migrations/`: shared (applied online, once) and tenant
(rendered to SQL once per version step, then applied to each tenant schema)."""

from __future__ import annotations

import functools
import io
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection

from tenants.citus import place_shared_tables
from tenants.head_script import read_head_script


class MigrationStreams:
    def __init__(self, migrations_dir: Path, extra_tenant_versions: tuple[Path, ...] = ()) -> None:
        """`extra_tenant_versions` adds version folders on top of the tenant stream's own
        (tests and benchmarks use it to stage a migration that is not part of the product)."""
        self.migrations_dir = migrations_dir
        self.extra_tenant_versions = extra_tenant_versions
        self._upgrade_sql: dict[str | None, str] = {}

    def config(self, stream: str, output_buffer: io.StringIO | None = None) -> Config:
        cfg = Config(str(self.migrations_dir / "alembic.ini"), ini_section=stream, output_buffer=output_buffer)
        if stream == "tenant" and self.extra_tenant_versions:
            locations = [self.migrations_dir / "tenant" / "versions", *self.extra_tenant_versions]
            cfg.set_section_option(stream, "path_separator", "os")
            cfg.set_section_option(stream, "version_locations", os.pathsep.join(str(p) for p in locations))
        return cfg

    @functools.cached_property
    def shared_head(self) -> str | None:
        return ScriptDirectory.from_config(self.config("shared")).get_current_head()

    @functools.cached_property
    def tenant_head(self) -> str:
        head = ScriptDirectory.from_config(self.config("tenant")).get_current_head()
        if head is None:
            raise RuntimeError("机构迁移流没有任何版本")
        return head

    @functools.cached_property
    def tenant_build_sql(self) -> str:
        """SQL that builds an empty schema (the search_path) at the head: the head script when
        it is at this stream's head (tenants/head_script.py), else the migrations in order."""
        return read_head_script(self.migrations_dir, self.tenant_head) or self.tenant_upgrade_sql(None)

    def tenant_upgrade_sql(self, from_revision: str | None) -> str:
        """SQL that takes a tenant schema (the search_path) from `from_revision` (None: an
        empty schema) to the head, version table included. Rendered once per step."""
        if from_revision not in self._upgrade_sql:
            buffer = io.StringIO()
            target = f"{from_revision}:{self.tenant_head}" if from_revision else self.tenant_head
            command.upgrade(self.config("tenant", buffer), target, sql=True)
            self._upgrade_sql[from_revision] = buffer.getvalue()
        return self._upgrade_sql[from_revision]

    async def upgrade_shared(self, connection: AsyncConnection) -> None:
        """Upgrade the shared schemas. Concurrent runs (two deploys at once) take turns."""
        await connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('xuncha.shared_migrations'))"))

        def upgrade(sync_connection: Connection) -> None:
            cfg = self.config("shared")
            cfg.attributes["connection"] = sync_connection
            command.upgrade(cfg, "head")

        await connection.run_sync(upgrade)
        await place_shared_tables(connection)
