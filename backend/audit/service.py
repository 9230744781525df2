"""Writing a tenant's audit trail inside the caller's transaction, and verifying its chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.models import AuditEvent
from tenants.naming import TENANT_SCHEMA_PLACEHOLDER, schema_for_code
from tenants.schema_ops import enter_schema


async def record_audit(
    connection: AsyncConnection,
    tenant_code: str,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> None:
    """Append one entry; the database numbers it and chains it to the one before."""
    await connection.execute(
        _APPEND,
        {
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "before": before,
            "after": after,
            "request_id": request_id,
        },
        execution_options={"schema_translate_map": {TENANT_SCHEMA_PLACEHOLDER: schema_for_code(tenant_code)}},
    )


_APPEND = insert(AuditEvent)  # built once; every mutation appends


@dataclass
class ChainReport:
    tenant_code: str
    entries: int = 0
    head_seq: int = 0
    head_hash: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


# Each row's hash recomputed from its stored content, next to the hash and seq of the row before.
_CHAIN = text(
    """
    SELECT seq, prev_hash, hash,
           audit_event_digest(prev_hash, seq, occurred_at, actor, action, entity, entity_id, before, after, request_id)
               AS recomputed,
           lag(hash) OVER (ORDER BY seq) AS previous_hash,
           lag(seq) OVER (ORDER BY seq) AS previous_seq
    FROM audit_event ORDER BY seq
    """
)


async def verify_chain(engine: AsyncEngine, tenant_code: str, lock_timeout: str = "5s") -> ChainReport:
    """Recompute the chain: an edited row fails its own hash, a deleted or reordered one
    breaks the link or the numbering. (Removing the newest rows leaves a shorter valid
    chain: compare `head_seq`/`head_hash` with a value kept elsewhere to catch that.)"""
    report = ChainReport(tenant_code)
    async with engine.connect() as connection, connection.begin():
        await enter_schema(connection, schema_for_code(tenant_code), lock_timeout)
        rows = await connection.stream(_CHAIN)
        async for row in rows:
            report.entries += 1
            expected_seq = (row.previous_seq or 0) + 1
            if row.seq != expected_seq:
                report.problems.append(f"第 {expected_seq} 条到第 {row.seq - 1} 条记录缺失")
            if row.prev_hash != row.previous_hash:
                report.problems.append(f"第 {row.seq} 条记录与前一条的链接断开")
            if row.hash != row.recomputed:
                report.problems.append(f"第 {row.seq} 条记录的内容被改动过")
            report.head_seq, report.head_hash = row.seq, row.hash.hex()
    return report
