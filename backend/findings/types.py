"""GraphQL for findings (问题) and their rectification ledger entries."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.directory.types import page_size
from backend.findings.models import EVIDENCE_SOURCES, SEVERITIES
from backend.findings.service import FindingService, check_finding
from backend.findings.taxonomy import TAXONOMY
from backend.ids import optional_id, parse_id
from tenants.naming import check_code


@strawberry.type(description="整改台账条目；逾期由整改期限推算，不单独存储")
class Ledger:
    state: str
    deadline: date
    overdue: bool
    responsible_person: str | None
    measures: str | None
    version: int


@strawberry.type(description="检查发现的问题")
class Finding:
    id: strawberry.ID
    round_id: strawberry.ID
    unit_id: strawberry.ID
    taxonomy_code: str
    taxonomy_name: str
    description: str
    evidence_sources: list[str]
    severity: str
    fixed_on_spot: bool = strawberry.field(description="即知即改")
    found_on: date
    found_by: str
    ledger: Ledger

    @classmethod
    def from_row(cls, row, today: date) -> Finding:
        """`row`: the finding's columns and its ledger entry's (see FindingService.list)."""
        return cls(
            id=strawberry.ID(str(row.id)), round_id=strawberry.ID(str(row.round_id)),
            unit_id=strawberry.ID(str(row.unit_id)), taxonomy_code=row.taxonomy_code,
            taxonomy_name=TAXONOMY.get(row.taxonomy_code, ""), description=row.description,
            evidence_sources=list(row.evidence_sources), severity=row.severity,
            fixed_on_spot=row.fixed_on_spot, found_on=row.found_on, found_by=row.found_by,
            ledger=Ledger(
                state=row.state, deadline=row.deadline, overdue=row.state != "已销号" and row.deadline < today,
                responsible_person=row.responsible_person, measures=row.measures, version=row.ledger_version,
            ),
        )


@strawberry.input(description=f"严重程度：{'、'.join(SEVERITIES)}；证据来源：{'、'.join(EVIDENCE_SOURCES)}")
class FindingInput:
    round_id: strawberry.ID
    unit_id: strawberry.ID
    taxonomy_code: str
    description: str
    severity: str
    found_on: date
    deadline: date | None = None
    evidence_sources: list[str] = strawberry.field(default_factory=list)
    fixed_on_spot: bool = False
    responsible_person: str | None = None
    measures: str | None = None
    close_note: str | None = strawberry.field(default=None, description="即知即改时必填：当场整改的情况")


def findings(info: Info[Context, None]) -> FindingService:
    return FindingService(info.context.runtime.engine)


@strawberry.type
class FindingQuery:
    @strawberry.field(description="某租户（可限某轮次）的问题及其整改台账，新的在前；联络员只看到本单位的问题")
    async def findings(
        self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID | None = None, first: int = 50,
        after: strawberry.ID | None = None,
    ) -> list[Finding]:
        principal = await info.context.principal()
        rows = await findings(info).list(
            principal, check_code(tenant_code, field="tenantCode"), first=page_size(info, first),
            after=optional_id(after, "after"),
            round_id=optional_id(round_id, "roundId"),
        )
        today = date.today()
        return [Finding.from_row(row, today) for row in rows]


@strawberry.type
class FindingMutation:
    @strawberry.mutation(description="登记问题并生成整改台账（管理员、检查员）；即知即改的问题当即销号")
    async def log_finding(self, info: Info[Context, None], tenant_code: str, input: FindingInput) -> Finding:
        principal = await info.context.writer()
        today = date.today()
        data = check_finding(
            round_id=parse_id(input.round_id, "roundId"), unit_id=parse_id(input.unit_id, "unitId"),
            taxonomy_code=input.taxonomy_code, description=input.description, evidence_sources=input.evidence_sources,
            severity=input.severity, fixed_on_spot=input.fixed_on_spot, found_on=input.found_on, deadline=input.deadline,
            responsible_person=input.responsible_person, measures=input.measures, close_note=input.close_note, today=today,
        )
        row = await findings(info).log(principal, check_code(tenant_code, field="tenantCode"), data, info.context.request_id)
        return Finding.from_row(row, today)
