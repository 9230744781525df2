"""GraphQL for 问题底稿: the team writes and sends drafts, the unit confirms or disputes them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.drafts.models import DraftState
from backend.drafts.service import DraftContent, DraftService, check_draft
from backend.drafts.workflow import ANSWERS, DRAFTS, READERS, TEAM, TEAM_MOVES, UNIT
from backend.enums import graphql_enum
from backend.findings.types import EvidenceSource, RectificationClass, Severity  # registered there
from backend.ids import optional_id, parse_id
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import Reach, mutation, query, read, write
from backend.rounds.leading import BY_DRAFT, BY_DRAFT_FOR_READERS, BY_ROUND, BY_ROUND_FOR_READERS
from backend.sensitivity import Sensitivity
from backend.text import clean_text
from tenants.labelled import Labelled

graphql_enum(DraftState, "问题底稿的状态")
DraftAction = graphql_enum(DRAFTS.actions("DraftAction", TEAM_MOVES), "检查组对问题底稿的操作")
DraftAnswer = graphql_enum(DRAFTS.actions("DraftAnswer", ANSWERS), "被检查单位对送来确认的问题底稿的答复")
DraftActionTaken = graphql_enum(DRAFTS.actions("DraftActionTaken"), "问题底稿经历的操作")


@strawberry.type(description="问题底稿：统一反馈前的问题，只有检查组、本机构审核人员和送达确认的被检查单位可见")
class DraftFinding:
    id: strawberry.ID
    round_id: strawberry.ID
    unit_id: strawberry.ID
    code: str | None = strawberry.field(description="问题编号（统一反馈后沿用；为空则自动编号）")
    taxonomy_code: str
    description: str = strawberry.field(description="问题事实")
    basis: str | None = strawberry.field(description="认定依据（法规条款）")
    requirement: str | None = strawberry.field(description="整改要求")
    evidence_sources: list[EvidenceSource]
    severity: Severity
    rectification_class: RectificationClass
    found_on: date
    deadline: date | None = strawberry.field(description="整改期限；为空则为统一反馈后整改情况报告的报送期限")
    responsible_person: str | None
    sensitivity: Sensitivity = strawberry.field(description="敏感程度；统一反馈后的问题沿用")
    self_found: bool = strawberry.field(description="自查发现：被检查单位在自查表中报告的问题")
    fix_note: str | None = strawberry.field(description="立行立改：单位报告的整改情况")
    fix_evidence: list[str] = strawberry.field(description="立行立改：整改材料（sha256）")
    fixed_at: datetime | None
    fix_confirmed_by: str | None = strawberry.field(description="立行立改：确认整改到位的检查人员（不能是发现问题的人）")
    state: DraftState
    version: int
    sent_at: datetime | None = strawberry.field(description="首次送被检查单位事实确认的时间")
    finding_id: strawberry.ID | None = strawberry.field(description="统一反馈后登记的问题")
    created_by: str
    created_at: datetime

    @classmethod
    def from_row(cls, row) -> DraftFinding:
        return cls(
            id=strawberry.ID(str(row.id)),
            round_id=strawberry.ID(str(row.round_id)),
            unit_id=strawberry.ID(str(row.unit_id)),
            code=row.code,
            taxonomy_code=row.taxonomy_code,
            description=row.description,
            basis=row.basis,
            requirement=row.requirement,
            evidence_sources=[EvidenceSource(source) for source in row.evidence_sources],
            severity=Severity(row.severity),
            rectification_class=RectificationClass(row.rectification_class),
            found_on=row.found_on,
            deadline=row.deadline,
            responsible_person=row.responsible_person,
            sensitivity=Sensitivity(row.sensitivity),
            self_found=row.self_found,
            fix_note=row.fix_note,
            fix_evidence=list(row.fix_evidence),
            fixed_at=row.fixed_at,
            fix_confirmed_by=row.fix_confirmed_by,
            state=DraftState(row.state),
            version=row.version,
            sent_at=row.sent_at,
            finding_id=None if row.finding_id is None else strawberry.ID(str(row.finding_id)),
            created_by=row.created_by,
            created_at=row.created_at,
        )


@strawberry.type(description="问题底稿的一次操作：送确认、单位的答复（异议理由）、修改、维持、定稿、撤回、统一反馈")
class DraftChange:
    action: str = strawberry.field(graphql_type=DraftActionTaken)  # stored as the act's label
    from_state: DraftState
    to_state: DraftState
    note: str | None
    actor: str
    occurred_at: datetime

    @classmethod
    def from_row(cls, row) -> DraftChange:
        return cls(
            action=row.action,
            from_state=DraftState(row.from_state),
            to_state=DraftState(row.to_state),
            note=row.note,
            actor=row.actor,
            occurred_at=row.occurred_at,
        )


@strawberry.input(description="问题底稿的内容")
class DraftContentInput:
    taxonomy_code: str
    description: str = strawberry.field(description="问题事实")
    severity: Severity
    found_on: date
    rectification_class: RectificationClass = RectificationClass.BY_DEADLINE
    basis: str | None = strawberry.field(default=None, description="认定依据（法规条款）")
    requirement: str | None = strawberry.field(default=None, description="整改要求")
    evidence_sources: list[EvidenceSource] = strawberry.field(default_factory=list)
    deadline: date | None = strawberry.field(default=None, description="整改期限；为空则取统一反馈后整改情况报告的报送期限")
    responsible_person: str | None = None
    code: str | None = strawberry.field(default=None, description="问题编号；为空则统一反馈时自动编号")
    sensitivity: Sensitivity = strawberry.field(default=Sensitivity.INTERNAL, description="敏感程度，默认内部")


async def content_of(info: Info[Context, None], tenant_code: str, input: DraftContentInput) -> DraftContent:
    return check_draft(
        code=input.code,
        taxonomy_code=input.taxonomy_code,
        description=input.description,
        basis=input.basis,
        requirement=input.requirement,
        evidence_sources=input.evidence_sources,
        severity=input.severity,
        rectification_class=input.rectification_class,
        found_on=input.found_on,
        deadline=input.deadline,
        responsible_person=input.responsible_person,
        today=info.context.clock.today(),
        taxonomy=await info.context.runtime.taxonomy(knowing=input.taxonomy_code),
        tenant_code=tenant_code,
        sensitivity=input.sensitivity,
    )


def drafts(info: Info[Context, None]) -> DraftService:
    return DraftService(info.context.runtime.engine)


@strawberry.type
class DraftQuery:
    @query(
        "某轮次的问题底稿（可限某单位），先录入的在前；联络员只看到送本单位确认的",
        read(Reach.OFFICE, roles=READERS, locate=BY_ROUND_FOR_READERS),
    )
    async def draft_findings(
        self,
        info: Info[Context, None],
        tenant_code: str,
        round_id: strawberry.ID,
        unit_id: strawberry.ID | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page[DraftFinding]:
        principal = await info.context.principal()
        page = await drafts(info).page(
            principal,
            tenant_code,
            parse_id(round_id, "roundId"),
            optional_id(unit_id, "unitId"),
            first=page_size(info, first),
            after=after,
        )
        return Page(items=[DraftFinding.from_row(row) for row in page.rows], page_info=PageInfo.of(page))

    @query(
        "问题底稿的操作记录（送确认、异议及理由、修改、维持、撤回等），先后为序",
        read(Reach.OFFICE, roles=READERS, locate=BY_DRAFT_FOR_READERS),
    )
    async def draft_finding_history(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID) -> list[DraftChange]:
        principal = await info.context.principal()
        return [DraftChange.from_row(row) for row in await drafts(info).history(principal, tenant_code, parse_id(id, "id"))]


@strawberry.type
class DraftMutation:
    @mutation("录入问题底稿（轮次进驻后、该单位统一反馈前）", write(TEAM, locate=BY_ROUND))
    async def create_draft_finding(
        self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID, unit_id: strawberry.ID, input: DraftContentInput
    ) -> DraftFinding:
        principal = await info.context.principal()
        content = await content_of(info, tenant_code, input)
        row = await drafts(info).create(
            principal, tenant_code, parse_id(round_id, "roundId"), parse_id(unit_id, "unitId"), content, info.context.request_id
        )
        return DraftFinding.from_row(row)

    @mutation("修改问题底稿（底稿或有异议时；有异议的改后回到底稿，须重新送确认）；version 须为读到的版本", write(TEAM, locate=BY_DRAFT))
    async def revise_draft_finding(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        input: DraftContentInput,
        note: str | None = None,
    ) -> DraftFinding:
        principal = await info.context.principal()
        content = await content_of(info, tenant_code, input)
        row = await drafts(info).revise(principal, tenant_code, parse_id(id, "id"), version, content, note, info.context.request_id)
        return DraftFinding.from_row(row)

    @mutation("送事实确认、维持认定、定稿或撤回问题底稿；version 须为读到的版本", write(TEAM, locate=BY_DRAFT))
    async def move_draft_finding(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        action: Annotated[Labelled, strawberry.argument(graphql_type=DraftAction)],
        note: str | None = None,
    ) -> DraftFinding:
        principal = await info.context.principal()
        transition = DRAFTS.transition(action.name.lower())
        row = await drafts(info).move(
            principal, tenant_code, parse_id(id, "id"), version, transition, note, info.context.request_id, now=info.context.clock.now()
        )
        return DraftFinding.from_row(row)

    @mutation(
        "立行立改：初步反馈（送确认）后，报告当场整改的情况并附材料（联络员限本单位，或检查组代报）；重报须重新确认",
        write(TEAM | UNIT),
    )
    async def report_on_spot_fix(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        note: str,
        evidence: list[str] | None = None,
    ) -> DraftFinding:
        principal = await info.context.principal()
        note = clean_text(note, "note", required=True)
        row = await drafts(info).report_fix(
            principal,
            tenant_code,
            parse_id(id, "id"),
            version,
            note,
            [sha.strip().lower() for sha in evidence or []],
            info.context.request_id,
            now=info.context.clock.now(),
        )
        return DraftFinding.from_row(row)

    @mutation("立行立改：确认整改到位（须由发现问题以外的检查人员确认）；统一反馈时登记为已当场整改", write(TEAM, locate=BY_DRAFT))
    async def confirm_on_spot_fix(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int) -> DraftFinding:
        principal = await info.context.principal()
        row = await drafts(info).confirm_fix(principal, tenant_code, parse_id(id, "id"), version, info.context.request_id)
        return DraftFinding.from_row(row)

    @mutation("被检查单位答复送来确认的问题底稿：无异议，或提出异议并写明理由（联络员限本单位）", write(UNIT))
    async def answer_draft_finding(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        answer: Annotated[Labelled, strawberry.argument(graphql_type=DraftAnswer)],
        note: str | None = None,
    ) -> DraftFinding:
        principal = await info.context.principal()
        transition = DRAFTS.transition(answer.name.lower())
        row = await drafts(info).move(
            principal, tenant_code, parse_id(id, "id"), version, transition, note, info.context.request_id, now=info.context.clock.now()
        )
        return DraftFinding.from_row(row)
