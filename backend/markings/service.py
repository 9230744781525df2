"""Setting an object's sensitivity marking (backend/sensitivity.py), audited in its office's
trail. A case is never marked below the findings it links (they may be in offices below)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.accountability.models import AccountabilityCase, CaseFinding
from backend.audit.service import record_audit
from backend.drafts.models import FindingDraft
from backend.evidence.models import EvidenceFile
from backend.findings.models import Finding
from backend.letters.models import DisciplineLetter
from backend.sensitivity import Sensitivity, below, strictest
from problem_bank.projection import project
from tenants.access import Principal, not_found
from tenants.errors import DomainError
from tenants.labelled import Labelled
from tenants.naming import TENANT_SCHEMA_PLACEHOLDER, schema_for_code
from tenants.scoping import tenant_engine


class MarkedKind(Labelled):
    FINDING = "finding", "问题"
    DRAFT = "draft", "问题底稿"
    CASE = "case", "追责问责案件"
    LETTER = "letter", "函告"
    EVIDENCE = "evidence", "证据材料（id 为文件的 SHA-256）"


# Each kind's table: its id column and its marking column.
COLUMNS: dict[MarkedKind, tuple[Any, Any]] = {
    MarkedKind.FINDING: (Finding.id, Finding.sensitivity),
    MarkedKind.DRAFT: (FindingDraft.id, FindingDraft.sensitivity),
    MarkedKind.CASE: (AccountabilityCase.id, AccountabilityCase.sensitivity),
    MarkedKind.LETTER: (DisciplineLetter.id, DisciplineLetter.sensitivity),
    MarkedKind.EVIDENCE: (EvidenceFile.sha256, EvidenceFile.sensitivity),
}


async def mark(
    engine: AsyncEngine,
    principal: Principal,
    tenant_code: str,
    kind: MarkedKind,
    key: int | str,
    marking: Sensitivity,
    request_id: str | None,
) -> Sensitivity:
    """Set the marking (who may is declared on the operation); the marking before."""
    id_column, marking_column = COLUMNS[kind]
    async with tenant_engine(engine, tenant_code).begin() as connection:
        before = (await connection.execute(select(marking_column).where(id_column == key).with_for_update())).scalars().first()
        if before is None:
            raise not_found()
        if kind is MarkedKind.CASE:
            await refuse_below_findings(connection, marking, await _linked(connection, int(key)))
        await connection.execute(update(id_column.table).where(id_column == key).values(sensitivity=marking))
        if kind is MarkedKind.FINDING:  # its problem-bank row carries the marking
            await project(connection, tenant_code, finding_ids=[int(key)])
        await record_audit(
            connection,
            tenant_code,
            actor=principal.username,
            action="sensitivity.marked",
            entity=id_column.table.name,
            entity_id=str(key),
            before={"sensitivity": before},
            after={"sensitivity": marking.value},
            request_id=request_id,
        )
    return Sensitivity(before)


async def refuse_below_findings(connection: AsyncConnection, marking: str, findings: Iterable[tuple[str, int]]) -> None:
    """BELOW_FINDINGS when `marking` is below the strictest of the findings (bank keys) a case links."""
    by_office: dict[str, list[int]] = defaultdict(list)
    for tenant_code, finding_id in findings:
        by_office[tenant_code].append(finding_id)
    markings: list[str] = []
    for tenant_code, ids in by_office.items():
        markings += (
            await connection.execute(
                select(Finding.sensitivity).where(Finding.id.in_(ids)),
                execution_options={"schema_translate_map": {TENANT_SCHEMA_PLACEHOLDER: schema_for_code(tenant_code)}},
            )
        ).scalars()
    floor = strictest(*markings) if markings else Sensitivity.PUBLIC
    if below(marking, floor):
        raise DomainError("BELOW_FINDINGS", f"案件的敏感程度不能低于其关联的问题（{floor.label}）", field="sensitivity")


async def _linked(connection: AsyncConnection, case_id: int) -> list[tuple[str, int]]:
    rows = await connection.execute(select(CaseFinding.tenant_code, CaseFinding.finding_id).where(CaseFinding.case_id == case_id))
    return [(row.tenant_code, row.finding_id) for row in rows]
