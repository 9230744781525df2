"""Logging findings, each with its ledger entry, and listing them within the policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.audit.service import record_audit
from backend.findings.models import EVIDENCE_SOURCES, SEVERITIES, Finding, LedgerEntry
from backend.findings.taxonomy import TAXONOMY_VERSION, is_manifestation
from backend.rounds.models import RoundUnit
from tenants.access import Principal, Role, not_found, require_write, visible_units
from tenants.errors import DomainError
from tenants.registry import clean_name, readable_place
from tenants.scoping import tenant_engine

FINDING_WRITERS = frozenset({Role.ADMIN, Role.INSPECTOR})
MAX_TEXT = 5_000


@dataclass(frozen=True)
class FindingData:
    round_id: int
    unit_id: int
    taxonomy_code: str
    description: str
    evidence_sources: list[str]
    severity: str
    fixed_on_spot: bool
    found_on: date
    deadline: date
    responsible_person: str | None
    measures: str | None
    close_note: str | None


def _text(value: str | None, field: str, *, required: bool) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise DomainError("INVALID_TEXT", "此项不能为空", field=field)
        return None
    if len(value) > MAX_TEXT:
        raise DomainError("INVALID_TEXT", f"不能超过 {MAX_TEXT} 个字符", field=field)
    return value


def check_finding(
    *, round_id: int, unit_id: int, taxonomy_code: str, description: str, evidence_sources: list[str], severity: str,
    fixed_on_spot: bool, found_on: date, deadline: date | None, responsible_person: str | None, measures: str | None,
    close_note: str | None, today: date,
) -> FindingData:
    if not is_manifestation(taxonomy_code):
        raise DomainError("UNKNOWN_TAXONOMY_CODE", f"问题分类代码 {taxonomy_code!r} 不存在（须为具体表现一级，如 C03.K01.M01）", field="taxonomyCode")
    if not set(evidence_sources) <= set(EVIDENCE_SOURCES) or len(set(evidence_sources)) != len(evidence_sources):
        raise DomainError("INVALID_EVIDENCE_SOURCE", f"证据来源须为不重复的：{'、'.join(EVIDENCE_SOURCES)}", field="evidenceSources")
    if severity not in SEVERITIES:
        raise DomainError("INVALID_SEVERITY", f"严重程度须为：{'、'.join(SEVERITIES)}", field="severity")
    if found_on > today:
        raise DomainError("INVALID_DATE", "发现日期不能晚于今天", field="foundOn")
    if fixed_on_spot:
        deadline = found_on  # 即知即改: nothing left to rectify
    elif deadline is None or deadline < found_on:
        raise DomainError("INVALID_DEADLINE", "整改期限须不早于发现日期", field="deadline")
    return FindingData(
        round_id=round_id, unit_id=unit_id, taxonomy_code=taxonomy_code,
        description=_text(description, "description", required=True), evidence_sources=list(evidence_sources),
        severity=severity, fixed_on_spot=fixed_on_spot, found_on=found_on, deadline=deadline,
        responsible_person=clean_name(responsible_person, field="responsiblePerson") if responsible_person else None,
        measures=_text(measures, "measures", required=False),
        close_note=_text(close_note, "closeNote", required=fixed_on_spot),
    )


class FindingService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def log(self, principal: Principal, tenant_code: str, data: FindingData, request_id: str | None):
        """The finding and its ledger entry (挂号, or 已销号 at once when fixed on the spot),
        with one audit entry, in one transaction."""
        place = await readable_place(self.engine, principal, tenant_code)
        require_write(principal, place, FINDING_WRITERS)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            covered = await connection.execute(
                select(RoundUnit.unit_id).where(RoundUnit.round_id == data.round_id, RoundUnit.unit_id == data.unit_id)
            )
            if covered.first() is None:
                raise DomainError("NOT_FOUND", "该轮次不存在或未覆盖该单位", field="unitId")
            finding = (
                await connection.execute(
                    insert(Finding)
                    .values(round_id=data.round_id, unit_id=data.unit_id, taxonomy_code=data.taxonomy_code,
                            taxonomy_version=TAXONOMY_VERSION, description=data.description,
                            evidence_sources=data.evidence_sources, severity=data.severity,
                            fixed_on_spot=data.fixed_on_spot, found_on=data.found_on, found_by=principal.username)
                    .returning(Finding.id)
                )
            ).scalar_one()
            await connection.execute(
                insert(LedgerEntry).values(
                    finding_id=finding, state="已销号" if data.fixed_on_spot else "挂号", deadline=data.deadline,
                    responsible_person=data.responsible_person, measures=data.measures, close_note=data.close_note,
                    closed_at=func.now() if data.fixed_on_spot else None,
                )
            )
            await record_audit(
                connection, tenant_code, actor=principal.username, action="finding.logged", entity="finding",
                entity_id=str(finding),
                after={"round_id": data.round_id, "unit_id": data.unit_id, "taxonomy_code": data.taxonomy_code,
                       "severity": data.severity, "fixed_on_spot": data.fixed_on_spot, "deadline": data.deadline.isoformat()},
                request_id=request_id,
            )
        return (await self.list(principal, tenant_code, first=1, after=None, finding_id=finding))[0]

    async def list(
        self, principal: Principal, tenant_code: str, *, first: int, after: int | None,
        round_id: int | None = None, finding_id: int | None = None,
    ) -> list:
        """A page of findings with their ledger entries, newest first, in one statement.
        A liaison sees only its unit's findings."""
        place = await readable_place(self.engine, principal, tenant_code)
        query = (
            select(*Finding.__table__.columns, LedgerEntry.state, LedgerEntry.deadline, LedgerEntry.responsible_person,
                   LedgerEntry.measures, LedgerEntry.version.label("ledger_version"))
            .join(LedgerEntry, LedgerEntry.finding_id == Finding.id)
            .order_by(Finding.id.desc())
            .limit(first)
        )
        if after is not None:
            query = query.where(Finding.id < after)
        if round_id is not None:
            query = query.where(Finding.round_id == round_id)
        if finding_id is not None:
            query = query.where(Finding.id == finding_id)
        if (units := visible_units(principal, place)) is not None:
            query = query.where(Finding.unit_id.in_(units))
        async with tenant_engine(self.engine, tenant_code).connect() as connection:
            rows = (await connection.execute(query)).all()
        if finding_id is not None and not rows:
            raise not_found()
        return rows
