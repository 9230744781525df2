"""Reads of sensitive objects (阅读留痕): an accountability case (追责问责案件), a bulletin's real
names before de-identification (原稿 and its mask table), an export, an evidence file, a 12310
reporter's name and contacts. Who read what, when and from where is appended to the owning
office's own audit trail (action `read.<entity>`, the address and the ids in `after`), so the
chain covers reads as it covers changes; the office's admin and auditors list them with
`auditTrail`.

A request's reads are collected as it is answered and written together afterwards (one entry
per office and kind of object, naming every id read), so a page of cases costs one statement,
not one a case. A read that cannot be recorded is not answered: the request fails."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.extensions import SchemaExtension

from backend.audit.service import record_audit
from tenants.labelled import Labelled


class SensitiveEntity(Labelled):
    ACCOUNTABILITY_CASE = "accountability_case", "追责问责案件"
    BULLETIN_ORIGINAL = "bulletin_original", "典型案例通报原稿（脱敏前）"
    EXPORT = "export", "导出"
    EVIDENCE = "evidence", "证据材料"
    REPORTER = "reporter_12310", "12310 举报人信息"


class ReadLog:
    """The sensitive reads of one request, by office and kind, in the order first read."""

    def __init__(self) -> None:
        self._reads: dict[tuple[str, SensitiveEntity], dict[str, None]] = {}

    def __bool__(self) -> bool:
        return bool(self._reads)

    def add(self, tenant_code: str, entity: SensitiveEntity, ids: Iterable[object]) -> None:
        self._reads.setdefault((tenant_code, entity), {}).update(dict.fromkeys(str(i) for i in ids))

    async def write(self, engine: AsyncEngine, *, actor: str, address: str | None, request_id: str | None) -> None:
        """Append the reads to their offices' trails (one transaction) and forget them."""
        reads, self._reads = self._reads, {}
        async with engine.begin() as connection:
            for (tenant_code, entity), ids in reads.items():
                await record_audit(
                    connection,
                    tenant_code,
                    actor=actor,
                    action=f"read.{entity.value}",
                    entity=entity.value,
                    entity_id=next(iter(ids)) if len(ids) == 1 else f"{len(ids)}项",
                    after={"address": address, "ids": list(ids)},
                    request_id=request_id,
                )


class RecordReads(SchemaExtension):
    """Writes a GraphQL request's sensitive reads once it has been executed, before it is answered."""

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        await self.execution_context.context.write_reads()
