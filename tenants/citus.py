"""A Citus cluster, for when one PostgreSQL is not enough (docs/deploy.md, "Citus").

Each office's schema is a distributed schema (schema-based sharding): its tables live together
on one worker, so an office's statements run there whole. The shared schemas are built on the
coordinator with schema-based sharding off (else `identity`, say, would become such a schema)
and then placed by `place_shared_tables`: the problem bank's rows, their counts and the pushed
lists' items are distributed by office code in one colocation group, so one office's bank
writes stay on one shard and a province's dashboard is aggregated on every worker at once;
every other shared table is a reference table, copied to every node, so an office's queries
join the registry, the taxonomy and the users where they run.

On a single PostgreSQL (no citus extension) nothing here changes anything: the settings are
guarded by the extension's presence in SQL, the rest runs only `on_cluster`."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tenants.errors import DomainError

# Distributed by `tenant_code` (an office's rows on one shard; 3,218 offices spread evenly over
# the shards, where 31 provinces would not), colocated with the first.
BY_OFFICE = (
    "problem_bank.problem",
    "problem_bank.problem_count_by_taxonomy",
    "problem_bank.problem_count_by_unit_type",
    "problem_bank.problem_count_by_month",
    "problem_bank.problem_list_item",
)
DISTRIBUTION_COLUMN = "tenant_code"
# The app role's session defaults on a cluster (as its search_path, shared migration 0001):
# - a transaction that reads several shards and then writes a reference table (a report up
#   freezing the bank's figures, a pushed list, the outbox's event) reads them over one
#   connection per worker, which Citus requires before such a write;
# - a join of an office's tables with the bank's rows (an accountability case's findings) is
#   repartitioned rather than refused.
SESSION_DEFAULTS = ("citus.multi_shard_modify_mode TO 'sequential'", "citus.enable_repartition_joins TO on")
_ON_CITUS = "FROM pg_extension WHERE extname = 'citus'"
_SYSTEM_SCHEMAS = "('information_schema', 'public', 'citus', 'citus_internal', 'columnar', 'columnar_internal')"


def _settings(schema_sharding: str) -> TextClause:
    return text(
        f"SELECT set_config('citus.enable_schema_based_sharding', '{schema_sharding}', true),"
        f" set_config('citus.enable_unsafe_triggers', 'on', true) {_ON_CITUS}"
    )


# For the rest of the transaction, on a cluster: tables keep their triggers (each touches only
# its own row or its own table: an office's audit chain and finding codes, the append-only
# refusals, which Citus's "unsafe triggers" allow), and either a new schema stays on the
# coordinator until it is placed (the shared ones by `place_shared_tables`, an office's by
# DISTRIBUTE_SCHEMA once built: one step, where distributing it as it is built costs a
# distributed command per statement) or, while an office's schema is upgraded, a table a
# migration adds to it joins it on its worker.
BUILD_ON_COORDINATOR = _settings("off")
UPGRADE_IN_PLACE = _settings("on")
DISTRIBUTE_SCHEMA = text("SELECT citus_schema_distribute(CAST(:schema AS regnamespace))")


def shared_schemas_on_coordinator(connection: Connection) -> None:
    """For the shared migrations (sync: Alembic's env runs this)."""
    connection.execute(BUILD_ON_COORDINATOR)


async def on_cluster(connection: AsyncConnection) -> bool:
    return bool((await connection.execute(text(f"SELECT EXISTS (SELECT 1 {_ON_CITUS})"))).scalar_one())


# The shared tables Citus does not manage yet (or took in only as local tables, because of a
# foreign key to a reference table), referenced tables first; not the shards themselves, which
# the coordinator's catalog shows (citus.override_table_visibility = off, docs/deploy.md).
UNPLACED = text(f"""
    WITH RECURSIVE shared AS (
        SELECT c.oid FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND relation_is_a_known_shard(c.oid) IS NOT TRUE
          AND s.nspname NOT LIKE 'pg\\_%' AND s.nspname NOT IN {_SYSTEM_SCHEMAS}
          AND s.oid NOT IN (SELECT schemaid FROM pg_dist_schema)
    ), depth AS (
        SELECT oid, 0 AS n FROM shared
        UNION ALL
        SELECT f.conrelid, d.n + 1 FROM depth d
        JOIN pg_constraint f ON f.contype = 'f' AND f.confrelid = d.oid AND f.conrelid <> d.oid
    )
    SELECT CAST(CAST(d.oid AS regclass) AS text) AS name FROM depth d
    LEFT JOIN pg_dist_partition p ON p.logicalrelid = d.oid
    WHERE p.logicalrelid IS NULL OR (p.partmethod = 'n' AND p.repmodel = 's')
    GROUP BY d.oid ORDER BY max(d.n), 1""")


async def place_shared_tables(connection: AsyncConnection) -> list[str]:
    """Make every unplaced shared table a reference table or, for BY_OFFICE, a distributed one;
    the names placed. A foreign key between two BY_OFFICE tables is dropped while they are
    distributed and put back after (Citus refuses to distribute a table another still local
    table references)."""
    if not await on_cluster(connection):
        return []
    database = await _database(connection)
    for setting in SESSION_DEFAULTS:
        await connection.execute(text(f"ALTER ROLE CURRENT_USER IN DATABASE {database} SET {setting}"))
    unplaced = list((await connection.execute(UNPLACED)).scalars())
    distributed = [name for name in BY_OFFICE if name in unplaced]
    links = await _links_between(connection, distributed)
    for table, constraint, _ in links:
        await connection.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}"))
    for name in unplaced:
        if name in distributed:
            colocate = "default" if name == BY_OFFICE[0] else BY_OFFICE[0]
            await connection.execute(
                text("SELECT create_distributed_table(CAST(:t AS regclass), :column, colocate_with => :with)"),
                {"t": name, "column": DISTRIBUTION_COLUMN, "with": colocate},
            )
        else:
            await connection.execute(text("SELECT create_reference_table(CAST(:t AS regclass))"), {"t": name})
    for table, constraint, definition in links:
        await connection.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {definition}"))
    for table, column in (await connection.execute(IDENTITY_COLUMNS, {"tables": unplaced})).all():
        await connection.execute(
            text(f"SELECT setval(pg_get_serial_sequence(:table, :column), coalesce(max({column}), 0) + 1, false) FROM {table}"),
            {"table": table, "column": column},
        )
    return unplaced


# Placing a table starts its identity column's sequence again at 1 (seen with Citus 13.2): each
# is set past the rows the table already holds.
IDENTITY_COLUMNS = text("""
    SELECT CAST(CAST(attrelid AS regclass) AS text), quote_ident(attname) FROM pg_attribute
    WHERE attidentity <> '' AND CAST(CAST(attrelid AS regclass) AS text) = ANY(:tables)""")


async def _database(connection: AsyncConnection) -> str:
    return str((await connection.execute(text("SELECT quote_ident(current_database())"))).scalar_one())


async def _links_between(connection: AsyncConnection, tables: list[str]) -> list[tuple[str, str, str]]:
    """(table, constraint, definition) of the foreign keys from one of `tables` to another."""
    rows = await connection.execute(
        text("""
        SELECT CAST(CAST(conrelid AS regclass) AS text), quote_ident(conname), pg_get_constraintdef(oid)
        FROM pg_constraint WHERE contype = 'f'
          AND CAST(CAST(conrelid AS regclass) AS text) = ANY(:tables) AND CAST(CAST(confrelid AS regclass) AS text) = ANY(:tables)
          AND conrelid <> confrelid"""),
        {"tables": tables},
    )
    return [(table, constraint, definition) for table, constraint, definition in rows]


LOCAL_OFFICE_SCHEMAS = text(r"""
    SELECT nspname FROM pg_namespace
    WHERE (nspname ~ '^t\d{6}$' OR nspname ~ '^spare_\d{6}$') AND oid NOT IN (SELECT schemaid FROM pg_dist_schema)
    ORDER BY nspname""")


async def distribute_office_schemas(engine: AsyncEngine, on_done: Callable[[str], None] | None = None) -> list[str]:
    """Make every office (and spare) schema still on the coordinator a distributed schema, one
    transaction each: the step that moves a single server's offices onto the workers once it has
    become a cluster's coordinator (docs/deploy.md). The schemas distributed, in order."""
    async with engine.connect() as connection:
        if not await on_cluster(connection):
            raise DomainError("NOT_A_CLUSTER", "数据库未安装 Citus 扩展，不是 Citus 集群的协调节点")
        schemas = list((await connection.execute(LOCAL_OFFICE_SCHEMAS)).scalars())
    for schema in schemas:
        async with engine.begin() as connection:
            await connection.execute(BUILD_ON_COORDINATOR)  # keeps the schema's triggers
            await connection.execute(DISTRIBUTE_SCHEMA, {"schema": schema})
        if on_done:
            on_done(schema)
    return schemas


SCHEMA_PLACEMENT = text("""
    SELECT s.schema_name::text AS schema, n.nodename || ':' || n.nodeport AS node
    FROM public.citus_schemas s
    JOIN pg_dist_colocation c ON c.colocationid = s.colocation_id
    JOIN pg_dist_partition p ON p.colocationid = c.colocationid
    JOIN pg_dist_shard sh ON sh.logicalrelid = p.logicalrelid
    JOIN pg_dist_placement pl ON pl.shardid = sh.shardid
    JOIN pg_dist_node n ON n.groupid = pl.groupid
    GROUP BY 1, 2 ORDER BY 1""")


async def schema_placements(connection: AsyncConnection) -> dict[str, str]:
    """Where each office's schema lives on a cluster (schema → host:port); empty on one node."""
    if not await on_cluster(connection):
        return {}
    return {row.schema: row.node for row in await connection.execute(SCHEMA_PLACEMENT)}
