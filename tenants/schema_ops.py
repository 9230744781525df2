"""DDL on one tenant schema, always inside the caller's transaction, so a schema is built or
upgraded completely or not at all (PostgreSQL DDL is transactional)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tenants.citus import BUILD_ON_COORDINATOR, DISTRIBUTE_SCHEMA, UPGRADE_IN_PLACE, on_cluster
from tenants.naming import quoted_schema
from tenants.streams import MigrationStreams


async def enter_schema(connection: AsyncConnection, schema: str, lock_timeout: str) -> None:
    """Point this transaction (only) at `schema` and bound how long it waits for locks."""
    await connection.execute(
        text("SELECT set_config('lock_timeout', :timeout, true), set_config('search_path', :path, true)"),
        {"timeout": lock_timeout, "path": quoted_schema(schema)},
    )


async def run_script(connection: AsyncConnection, sql: str) -> None:
    """Run a multi-statement script in one round trip (simple query protocol). The
    transaction must already have begun with a statement, as `enter_schema` does."""
    raw = await connection.get_raw_connection()
    assert raw.driver_connection is not None  # asyncpg's, while the connection is in use
    await raw.driver_connection.execute(sql)


def statements(script: str) -> list[str]:
    """The statements of an Alembic offline script: each ends with ';' and a blank line, and a
    piece with an odd number of '$$' is inside a function body, so it joins the next."""
    pieces: list[str] = []
    for piece in script.split(";\n\n"):
        if pieces and pieces[-1].count("$$") % 2:
            pieces[-1] += ";\n\n" + piece
        else:
            pieces.append(piece)
    return [piece for piece in pieces if piece.strip()]


async def build_schema(connection: AsyncConnection, streams: MigrationStreams, schema: str, lock_timeout: str) -> str:
    """Create `schema` at the tenant head (on a Citus cluster, a distributed schema); return the
    version it is at."""
    await connection.execute(BUILD_ON_COORDINATOR)
    await connection.execute(text(f"CREATE SCHEMA {quoted_schema(schema)}"))
    await enter_schema(connection, schema, lock_timeout)
    await run_script(connection, streams.tenant_build_sql)
    if await on_cluster(connection):
        await connection.execute(DISTRIBUTE_SCHEMA, {"schema": schema})
    return streams.tenant_head


async def upgrade_schema(connection: AsyncConnection, streams: MigrationStreams, schema: str, lock_timeout: str) -> bool:
    """Bring `schema` to the tenant head. Returns False when it was already there."""
    await connection.execute(UPGRADE_IN_PLACE)
    await enter_schema(connection, schema, lock_timeout)
    current = (await connection.execute(text("SELECT version_num FROM alembic_version FOR UPDATE"))).scalar_one()
    if current == streams.tenant_head:
        return False
    script = streams.tenant_upgrade_sql(current)
    # A distributed schema's DDL is passed on to its worker as the statement's text, and Citus
    # refuses text that holds several statements.
    for part in statements(script) if await on_cluster(connection) else [script]:
        await run_script(connection, part)
    return True
