"""Sessions scoped to one tenant through `schema_translate_map`: the tenant's schema is
applied per statement, so nothing tenant-specific stays on a pooled connection.

Work that only reads goes through `reading`: its connections run in autocommit, so each
statement is its own transaction, which is all READ COMMITTED gives a lone statement anyway.
Without it SQLAlchemy's asyncpg dialect wraps every checkout in BEGIN … ROLLBACK, two round
trips besides the statements (12% of the API's time under the mixed load, BENCHMARKS.md).
Writes never use it: under autocommit, `begin()` would not make them atomic.

The views are cached: `execution_options` costs 40 µs, 150 µs with an isolation level (it
registers an event listener), and the API takes several views per request."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from tenants.naming import TENANT_SCHEMA_PLACEHOLDER, schema_for_code

VIEWS_CACHED = 8192  # every tenant of the country twice (a read and a write view), and some


@lru_cache(maxsize=VIEWS_CACHED)
def tenant_engine(engine: AsyncEngine, code: str) -> AsyncEngine:
    """A view of `engine` (same pool) whose statements address tenant `code`'s schema."""
    return engine.execution_options(schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: schema_for_code(code)})


@lru_cache(maxsize=VIEWS_CACHED)
def reading(engine: AsyncEngine) -> AsyncEngine:
    """A view of `engine` (same pool) for reads only: autocommit, no BEGIN/ROLLBACK."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def tenant_reader(engine: AsyncEngine, code: str) -> AsyncEngine:
    """`tenant_engine` for reads only."""
    return tenant_engine(reading(engine), code)


def tenant_session(engine: AsyncEngine, code: str) -> AsyncSession:
    return AsyncSession(bind=tenant_engine(engine, code), expire_on_commit=False)


def across_schemas(template: str, codes: Iterable[str], *, distinct: bool = False) -> str:
    """One statement reading the same table in many tenants' schemas: `template` (a SELECT) with
    `{schema}` (quoted) and `{code}` filled in per tenant, joined by UNION ALL (UNION when
    `distinct`). Codes are checked (six digits), so the text is safe to run."""
    parts = [template.format(schema=f'"{schema_for_code(code)}"', code=f"'{code}'") for code in codes]
    return (" UNION " if distinct else " UNION ALL ").join(parts)


async def summed_across(connection: AsyncConnection, template: str, codes: Iterable[str], values: Mapping[str, Any]) -> Counter[str]:
    """`template` (a SELECT of `key` and `n` rows per schema) summed by key over the tenants
    `codes`: one statement, whatever their number."""
    union = across_schemas(template, codes)
    rows = await connection.execute(text(f"SELECT key, sum(n) AS n FROM ({union}) AS per_office GROUP BY key"), dict(values))
    return Counter({row.key: int(row.n) for row in rows})
