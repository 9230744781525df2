"""Who may upload and download evidence files, and registering an upload in a tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy import exists, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.audit.service import record_audit
from backend.evidence.models import EvidenceFile
from backend.evidence.store import EvidenceStore, StoredFile
from backend.findings.models import Finding
from backend.ledger.models import EventEvidence, LedgerEvent
from backend.ledger.workflow import RECTIFIERS, REVIEWERS
from tenants.access import Principal, not_found, visible_units
from tenants.registry import readable_place
from tenants.scoping import tenant_engine, tenant_reader

UPLOADERS = RECTIFIERS | REVIEWERS


class EvidenceService:
    def __init__(self, engine: AsyncEngine, store: EvidenceStore, max_bytes: int) -> None:
        self.engine = engine
        self.store = store
        self.max_bytes = max_bytes

    async def upload(
        self, principal: Principal, tenant_code: str, file_name: str, chunks: AsyncIterator[bytes], request_id: str | None
    ) -> StoredFile:
        stored = await self.store.put(file_name, chunks, self.max_bytes)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            await connection.execute(
                insert(EvidenceFile)
                .values(
                    sha256=stored.sha256,
                    uploaded_by=principal.username,
                    size=stored.size,
                    content_type=stored.content_type,
                    file_name=file_name[:128],
                )
                .on_conflict_do_nothing()
            )
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="evidence.uploaded",
                entity="evidence_file",
                entity_id=stored.sha256,
                after={"file_name": file_name, "size": stored.size, "content_type": stored.content_type},
                request_id=request_id,
            )
        return stored

    async def readable(self, principal: Principal, tenant_code: str, sha256: str) -> tuple[str, str | None]:
        """The stored file's type and the name it was uploaded under, if the principal may
        read it: office staff read every file of a tenant they read; a liaison, what it
        uploaded and what is attached to its unit's findings. NOT_FOUND otherwise."""
        place = await readable_place(self.engine, principal, tenant_code)
        query = select(EvidenceFile.content_type, EvidenceFile.file_name).where(EvidenceFile.sha256 == sha256).limit(1)
        if (units := visible_units(principal, place)) is not None:
            attached_to_own_unit = exists().where(
                EventEvidence.sha256 == sha256,
                LedgerEvent.id == EventEvidence.event_id,
                Finding.id == LedgerEvent.finding_id,
                Finding.unit_id.in_(units),
            )
            query = query.where(or_(EvidenceFile.uploaded_by == principal.username, attached_to_own_unit))
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            found = (await connection.execute(query)).one_or_none()
        if found is None:
            raise not_found()
        return found.content_type, found.file_name
