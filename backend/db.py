"""Database engine and the declarative base of the models that live in a tenant schema."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import BigInteger, ColumnElement, DateTime, MetaData, SQLColumnExpression, any_, bindparam, event, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from tenants.naming import NO_TENANT_SCHEMA, TENANT_SCHEMA_PLACEHOLDER


class TenantBase(DeclarativeBase):
    """Models stored once per tenant. They name the placeholder schema `tenant`, which a
    tenant session translates to the tenant's own (`t431321`); unscoped, they fail."""

    metadata = MetaData(schema=TENANT_SCHEMA_PLACEHOLDER)
    type_annotation_map = {datetime: DateTime(timezone=True)}


def async_database_url(url: str) -> str:
    """Accept postgres://, postgresql:// or postgresql+asyncpg:// and answer the asyncpg form."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"DATABASE_URL 必须指向 PostgreSQL，收到 {parsed.drivername}")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int | None = None,
    pool_recycle_seconds: int = 900,
    ping_after_idle_seconds: float = 5.0,
    behind_pgbouncer: bool = False,
) -> AsyncEngine:
    """The app's engine. Connections start with the empty `no_tenant` search_path, and are
    recycled because each schema a connection touches grows its catalog caches. JSON columns
    go through orjson: decoding them with the standard library took 8% of a finding page.

    `behind_pgbouncer`: `url` is a PgBouncer in transaction mode (docs/deploy.md), which hands
    each transaction (each statement, under autocommit) whichever server connection is free.
    Then no startup search_path (PgBouncer refuses unknown startup parameters; the role's
    default `no_tenant`, set by the shared migration, applies) and no prepared statement kept
    past its use: each statement is prepared unnamed and run in the same exchange, which
    PgBouncer 1.18 keeps on one server (BENCHMARKS.md measures what the lost cache costs)."""
    engine = create_async_engine(
        async_database_url(url),
        json_serializer=json_text,
        json_deserializer=orjson.loads,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_recycle=pool_recycle_seconds,
        connect_args=connect_arguments(behind_pgbouncer),
    )
    ping_after_idle(engine, ping_after_idle_seconds)
    return engine


def connect_arguments(behind_pgbouncer: bool) -> dict[str, Any]:
    """asyncpg's connect arguments, as `create_engine` explains."""
    if behind_pgbouncer:
        return {"server_settings": {"application_name": "xuncha"}, "statement_cache_size": 0, "prepared_statement_cache_size": 0}
    return {"server_settings": {"search_path": NO_TENANT_SCHEMA, "application_name": "xuncha"}}


def json_text(value) -> str:
    """A JSON column's value as text, as `json.dumps` would give it (non-string keys become
    strings), only faster."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def ping_after_idle(engine: AsyncEngine, seconds: float) -> None:
    """Ping a pooled connection before use only when it sat idle `seconds` or longer; a dead
    one is replaced (the pool retries the checkout with a new connection).

    SQLAlchemy's `pool_pre_ping` pings before every use, and asyncpg's ping is three round
    trips (BEGIN, a query, ROLLBACK): ~11% of the API's time under the mixed load
    (BENCHMARKS.md). A connection killed while idle (server restart, idle timeouts, a
    firewall) is still caught; one killed within `seconds` of its last use fails that one
    request, and SQLAlchemy then invalidates the whole pool."""

    pool = engine.sync_engine.pool

    @event.listens_for(pool, "connect")
    def fresh(dbapi_connection, record) -> None:
        record.info.pop("idle_since", None)  # just opened: nothing to ping

    @event.listens_for(pool, "checkin")
    def idle_from(dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def ping_if_idle(dbapi_connection, record, proxy) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < seconds:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:  # whatever the driver raised: the pool retries with a new connection
            raise DisconnectionError("连接已失效") from error


def child_array(
    column: SQLColumnExpression[Any], belongs: ColumnElement[bool], *order_by: SQLColumnExpression[Any]
) -> ColumnElement[list[Any]]:
    """The values of `column` in the rows where `belongs` (a condition on the outer row) holds,
    ordered, as one array: a correlated subquery that brings a parent's list in the parent's
    own row instead of a statement of its own."""
    return func.array(select(column).where(belongs).order_by(*order_by).scalar_subquery())


def any_of(column: SQLColumnExpression[int], name: str) -> ColumnElement[bool]:
    """`column = ANY(:name)`, the ids bound as one array parameter at execution, so a statement
    can be built once for any number of ids. `IN` renders a parameter per id: each count is a new
    SQL text, compiled again by SQLAlchemy and prepared again by PostgreSQL."""
    return column == any_(bindparam(name, type_=ARRAY(BigInteger)))


def violated_constraint(error: Exception) -> str | None:
    """The name of the constraint an IntegrityError broke. asyncpg reports it; through a Citus
    coordinator only the message names it, and names the worker's shard's copy,
    `<name>_<shard id>` (ids of six digits or more): the suffix is dropped."""
    cause = getattr(getattr(error, "orig", None), "__cause__", None)
    name = getattr(cause, "constraint_name", None)
    if name is None and (quoted := _CONSTRAINT_IN_MESSAGE.search(str(cause))):
        name = quoted.group(1)
    return _SHARD_SUFFIX.sub("", name) if name else None


_CONSTRAINT_IN_MESSAGE = re.compile(r'constraint "([^"]+)"')
_SHARD_SUFFIX = re.compile(r"_\d{6,}$")


def asyncpg_dsn(url: str, database: str | None = None) -> str:
    """A DSN for `asyncpg.connect` (no SQLAlchemy driver suffix), optionally for another database."""
    parsed = make_url(async_database_url(url)).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def ensure_database_exists(url: str) -> None:
    """Create the database `url` names if the server lacks it (the embedded server starts
    empty). Only then is the maintenance database `postgres` needed."""
    import asyncpg

    try:
        await (await asyncpg.connect(asyncpg_dsn(url))).close()
        return
    except asyncpg.InvalidCatalogNameError:
        pass
    name = make_url(async_database_url(url)).database or ""
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"数据库 {name!r} 不存在；自动创建只支持由字母、数字和下划线组成的库名")
    connection = await asyncpg.connect(asyncpg_dsn(url, "postgres"))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    except asyncpg.DuplicateDatabaseError:
        pass  # another process created it first
    finally:
        await connection.close()
