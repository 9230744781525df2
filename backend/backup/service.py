"""Taking one tenant out of a database and putting it into another.

Backup reads, in one REPEATABLE READ snapshot: every table of the tenant's schema, its
registry row, its own rows in the shared tables (backend/backup/shared_rows.py) and the
evidence files its schema names. Restore, in one transaction: checks the archive against this
code's migration heads, registers the tenant, builds its schema at the tenant head, loads the
rows with the schema's own triggers off (the audit chain keeps its stored hashes), replaces the
tenant's shared rows with the archive's (rows left in this database under its code go; other
offices' rows stay), moves identity sequences past the loaded ids, and appends a
`tenant.restored` audit entry. A refused or failed restore changes nothing in the database."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from pathlib import Path

import asyncpg
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.audit.service import record_audit
from backend.backup.archive import Backup, TableData, copy_files, invalid, read_archive, write_archive
from backend.backup.shared_rows import REGISTRY, SHARED_ROWS, held_in
from backend.evidence.location import evidence_store
from backend.runtime import Runtime
from problem_bank.counts import recount
from tenants.divisions import Level
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.naming import quoted_schema, schema_for_code
from tenants.organs import Organ, office_values
from tenants.schema_ops import build_schema

EVIDENCE_TABLE = "evidence_file"

# A schema's tables with their columns (stored, not generated), parents before children.
TABLES_QUERY = """
WITH RECURSIVE tables AS (
    SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = :schema AND c.relkind = 'r' AND c.relname <> 'alembic_version'
), depth (oid, level) AS (
    SELECT oid, 0 FROM tables
    UNION ALL
    SELECT k.conrelid, d.level + 1 FROM pg_constraint k JOIN depth d ON k.confrelid = d.oid
    WHERE k.contype = 'f' AND k.conrelid <> k.confrelid AND k.conrelid IN (SELECT oid FROM tables) AND d.level < 50
)
SELECT t.relname,
       (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
        WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns,
       (SELECT max(level) FROM depth WHERE depth.oid = t.oid) AS level
FROM tables t ORDER BY level, relname
"""


async def schema_tables(connection: AsyncConnection, schema: str) -> list[tuple[str, list[str]]]:
    rows = await connection.execute(text(TABLES_QUERY), {"schema": schema})
    return [(name, list(columns)) for name, columns, _ in rows]


async def _driver(connection: AsyncConnection):
    return (await connection.get_raw_connection()).driver_connection


def _column_list(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


async def _copy_out(connection: AsyncConnection, schema: str, table: str, columns: list[str], where: str = "") -> TableData:
    """The table's rows in COPY text format, ordered by every column (a stable order)."""
    output = io.BytesIO()
    query = f'SELECT {_column_list(columns)} FROM "{schema}"."{table}" {where} ORDER BY {", ".join(map(str, range(1, len(columns) + 1)))}'
    driver = await _driver(connection)
    await driver.copy_from_query(query, output=output, format="text")
    data = output.getvalue()
    return TableData(None, table, columns, data.count(b"\n"), data)


async def backup_tenant(runtime: Runtime, code: str, archive: Path) -> Backup:
    """Everything of tenant `code`, read in one consistent snapshot, written to `archive` (its
    evidence files streaming from the store)."""
    schema = schema_for_code(code)
    async with runtime.engine.connect() as pooled:
        connection = await pooled.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            await connection.execute(text("SET TRANSACTION READ ONLY"))
            registry = (
                await connection.execute(text("SELECT parent_code, schema_version FROM tenancy.tenant WHERE code = :code"), {"code": code})
            ).one_or_none()
            if registry is None:
                raise DomainError("NOT_FOUND", f"没有代码为 {code} 的机构", field="code")
            tenant_revision = (
                await connection.execute(text(f"SELECT version_num FROM {quoted_schema(schema)}.alembic_version"))
            ).scalar_one()
            shared_revision = (await connection.execute(text("SELECT version_num FROM tenancy.alembic_version"))).scalar_one()
            backup = Backup(code, registry.parent_code, shared_revision, tenant_revision, runtime.clock.now().isoformat())
            for table, columns in await schema_tables(connection, schema):
                backup.tables.append(await _copy_out(connection, schema, table, columns))
            for rows in (REGISTRY, *SHARED_ROWS):
                columns = dict(await schema_tables(connection, rows.schema))[rows.table]
                dump = await _copy_out(connection, rows.schema, rows.table, columns, rows.where(code))
                dump.schema = rows.schema
                backup.tables.append(dump)
            hashes = (await connection.execute(text(f"SELECT DISTINCT sha256 FROM {quoted_schema(schema)}.{EVIDENCE_TABLE}"))).scalars()
            backup.files = list(hashes)
    await asyncio.to_thread(write_archive, backup, archive, evidence_store(runtime.settings))
    return backup


async def restore_tenant(runtime: Runtime, archive: Path, *, actor: str) -> Backup:
    """Put the tenant backed up in `archive` into this database, which must not have it yet."""
    backup = await asyncio.to_thread(read_archive, archive)
    code, schema = backup.tenant_code, schema_for_code(backup.tenant_code)
    heads = (runtime.streams.shared_head, runtime.streams.tenant_head)
    if (backup.shared_revision, backup.tenant_revision) != heads:
        raise DomainError(
            "BACKUP_VERSION_MISMATCH",
            f"备份的数据库版本（共享 {backup.shared_revision}、机构 {backup.tenant_revision}）与本程序（共享 {heads[0]}、"
            f"机构 {heads[1]}）不同：请用生成备份的版本恢复后再升级",
            field="file",
        )
    async with runtime.engine.begin() as connection:
        exists = (
            await connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM tenancy.tenant WHERE code = :code)"
                    " + (SELECT count(*) FROM pg_namespace WHERE nspname = :schema)"
                ),
                {"code": code, "schema": schema},
            )
        ).scalar_one()
        if exists:
            raise DomainError("DUPLICATE", f"机构 {code} 已存在；恢复不会覆盖现有机构", field="code")
        if backup.parent_code is not None:
            parent = (
                await connection.execute(text("SELECT 1 FROM tenancy.tenant WHERE code = :code"), {"code": backup.parent_code})
            ).scalar()
            if parent is None:
                raise DomainError("PARENT_MISSING", f"上级机构 {backup.parent_code} 尚未开通，请先开通上级再恢复", field="code")
        driver = await _driver(connection)
        await _copy_in(driver, backup.table(REGISTRY.schema, REGISTRY.table))
        registered = (await connection.execute(select(Tenant.name, Tenant.level).where(Tenant.code == code))).one_or_none()
        if registered is None:
            raise invalid("清单中没有该机构的登记行")
        await connection.execute(insert(Organ).values(office_values(code, registered.name, Level(registered.level))))
        await build_schema(connection, runtime.streams, schema, runtime.settings.lock_timeout)
        await _load_schema(connection, driver, schema, [t for t in backup.tables if t.schema is None])
        await _replace_shared_rows(connection, driver, backup)
        await recount(connection, [code])  # the bank's rows came in by COPY
        await _check_loaded(connection, backup)
        await record_audit(
            connection,
            code,
            actor=actor,
            action="tenant.restored",
            entity="tenant",
            entity_id=code,
            after={"backup_created_at": backup.created_at},
        )
        await asyncio.to_thread(copy_files, archive, backup, evidence_store(runtime.settings))
    await runtime.taxonomy_changed()  # a province's own kinds and manifestations may have come back
    return backup


async def _copy_in(driver, table: TableData, schema: str | None = None) -> None:
    if table.rows:
        await driver.copy_to_table(
            table.name, source=io.BytesIO(table.data), schema_name=schema or table.schema, columns=table.columns, format="text"
        )


async def _load_schema(connection: AsyncConnection, driver, schema: str, tables: list[TableData]) -> None:
    """Load the tenant's own tables, which must be exactly the ones the fresh schema has."""
    built = await schema_tables(connection, schema)
    if sorted((name, sorted(columns)) for name, columns in built) != sorted((t.name, sorted(t.columns)) for t in tables):
        raise invalid("表结构与其记录的机构版本不符")
    by_name = {t.name: t for t in tables}
    quoted = quoted_schema(schema)
    for name, _ in built:  # parents first
        await connection.execute(text(f'ALTER TABLE {quoted}."{name}" DISABLE TRIGGER USER'))
        await _copy_in(driver, by_name[name], schema)
        await connection.execute(text(f'ALTER TABLE {quoted}."{name}" ENABLE TRIGGER USER'))
    await _move_identities(connection, schema, [name for name, _ in built])


async def _replace_shared_rows(connection: AsyncConnection, driver, backup: Backup) -> None:
    """The tenant's rows of each shared table the archive holds become the archive's: rows this
    database still has under its code go first. A row that clashes with another office's (an id
    taken, a key it needs missing) is RESTORE_CONFLICT, and the whole restore rolls back."""
    held = held_in(backup.format_version)  # an older format left some tables out: they stay as they are
    for rows in reversed(held):  # children first
        await connection.execute(text(f'DELETE FROM "{rows.schema}"."{rows.table}" {rows.where(backup.tenant_code)}'))
    for rows in held:
        try:
            await _copy_in(driver, backup.table(rows.schema, rows.table))
        except asyncpg.IntegrityConstraintViolationError as error:
            raise DomainError(
                "RESTORE_CONFLICT",
                f"{rows.name} 中机构 {backup.tenant_code} 的行与本数据库中其他机构的行冲突，未恢复任何数据（{error.detail or error}）",
                field="file",
            ) from None
        await _move_identities(connection, rows.schema, [rows.table])


async def _move_identities(connection: AsyncConnection, schema: str, tables: list[str]) -> None:
    """Move the identity sequences of `tables` past the ids just loaded (never back: in a shared
    table other offices' rows may have taken higher ones)."""
    identities = await connection.execute(
        text(
            "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = :schema AND c.relname = ANY(:tables) AND a.attidentity <> ''"
        ),
        {"schema": schema, "tables": tables},
    )
    quoted = f'"{schema}"'  # a tenant schema's name (checked by schema_for_code) or a shared schema's
    for table, column in identities.all():
        await connection.execute(
            text(
                f"SELECT setval(s.sequence, m.top) FROM (SELECT pg_get_serial_sequence('{quoted}.\"{table}\"', '{column}') AS sequence) s,"
                f' (SELECT max("{column}") AS top FROM {quoted}."{table}") m'
                " WHERE m.top >= coalesce(pg_sequence_last_value(s.sequence::regclass), 0)"
            )
        )


async def _check_loaded(connection: AsyncConnection, backup: Backup) -> None:
    """Every shared row loaded belongs to the tenant (a forged manifest cannot write others')."""
    for rows in (REGISTRY, *held_in(backup.format_version)):
        loaded = (
            await connection.execute(text(f'SELECT count(*) FROM "{rows.schema}"."{rows.table}" {rows.where(backup.tenant_code)}'))
        ).scalar_one()
        if loaded != backup.table(rows.schema, rows.table).rows:
            raise invalid(f"{rows.name} 中有不属于机构 {backup.tenant_code} 的行")
    parent = (
        await connection.execute(text("SELECT parent_code FROM tenancy.tenant WHERE code = :code"), {"code": backup.tenant_code})
    ).scalar_one()
    if parent != backup.parent_code:
        raise invalid("登记行的上级与清单不符")
