"""GraphQL for an office's audit trail (审计日志): its changes and its sensitive reads, newest
first, for the office's own admin and auditors."""

from __future__ import annotations

from datetime import datetime

import orjson
import strawberry
from sqlalchemy import select
from strawberry.types import Info

from backend.audit.models import AuditEvent
from backend.context import Context
from backend.cursors import decode_cursor, window
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import Reach, query, read
from backend.text import clean_text
from tenants.access import Role
from tenants.naming import check_code
from tenants.scoping import tenant_reader

TRAIL_READERS = frozenset({Role.ADMIN, Role.AUDITOR})


@strawberry.type(description="审计日志的一条：一次变更，或一次敏感信息的查阅（action 以 read. 开头）")
class AuditEntry:
    seq: int = strawberry.field(description="序号（审计链中连续编号）")
    occurred_at: datetime
    actor: str = strawberry.field(description="操作人（用户名）")
    action: str
    entity: str
    entity_id: str
    address: str | None = strawberry.field(description="查阅时的来源地址（查阅记录才有）")
    read_ids: list[str] = strawberry.field(description="查阅的对象（查阅记录才有）")
    changes: str | None = strawberry.field(description="变更前后的内容（JSON，变更记录才有）")

    @classmethod
    def of(cls, row) -> AuditEntry:
        is_read = row.action.startswith("read.")
        after = row.after or {}
        return cls(
            seq=row.seq,
            occurred_at=row.occurred_at,
            actor=row.actor,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            address=after.get("address") if is_read else None,
            read_ids=list(after.get("ids", [])) if is_read else [],
            changes=None if is_read else orjson.dumps({"before": row.before, "after": row.after}).decode(),
        )


@strawberry.type
class AuditQuery:
    @query("本机构的审计日志（变更和敏感信息查阅留痕），新的在前；readsOnly 只列查阅记录", read(Reach.OFFICE, roles=TRAIL_READERS))
    async def audit_trail(
        self,
        info: Info[Context, None],
        tenant_code: str,
        reads_only: bool = False,
        actor: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page[AuditEntry]:
        tenant_code = check_code(tenant_code, field="tenantCode")
        size = page_size(info, first)
        query_ = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(size + 1)
        if reads_only:
            query_ = query_.where(AuditEvent.action.startswith("read."))
        if actor is not None:
            query_ = query_.where(AuditEvent.actor == clean_text(actor, "actor", required=True))
        if (key := decode_cursor(after, int)) is not None:
            query_ = query_.where(AuditEvent.seq < key[0])
        async with tenant_reader(info.context.runtime.engine, tenant_code).connect() as connection:
            rows = (await connection.execute(query_)).all()
        found = window(rows, size, lambda row: (row.seq,))
        return Page(items=[AuditEntry.of(row) for row in found.rows], page_info=PageInfo.of(found))
