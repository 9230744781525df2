"""Sessions scoped to one tenant through `schema_translate_map`: the tenant's schema is
applied per statement, so nothing tenant-specific stays on a pooled connection."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tenants.naming import TENANT_SCHEMA_PLACEHOLDER, schema_for_code


def tenant_engine(engine: AsyncEngine, code: str) -> AsyncEngine:
    """A view of `engine` (same pool) whose statements address tenant `code`'s schema."""
    return engine.execution_options(schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: schema_for_code(code)})


def tenant_session(engine: AsyncEngine, code: str) -> AsyncSession:
    return AsyncSession(bind=tenant_engine(engine, code), expire_on_commit=False)
