"""GraphQL for accountability cases (追责问责), the freezes and locks they put on units, and
the units' standing for approval systems (`unitStatus`). Relations load through DataLoaders.

Each act on a case is its own mutation, declared with the roles its transition carries
(workflow.py): handlers investigate, propose and carry out, deciders send back, decide, close
and withdraw; a freeze or lock (imposeUnitRestriction) is for deciders, other measures for
handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from backend.accountability import workflow
from backend.accountability.models import CaseState, MeasureKind, RestrictionKind
from backend.accountability.restrictions import UnitRestriction, unit_restrictions
from backend.accountability.service import (
    AccountabilityService,
    CaseBreakdown,
    CaseDraft,
    MeasureDraft,
    MeasureView,
    Subject,
    UnitStanding,
    check_measure,
    earlier_case_rows,
    linked_finding_rows,
    measure_rows,
    restricts,
    subject_label,
    unit_finding_rows,
)
from backend.audit.reads import SensitiveEntity
from backend.bank.types import BankProblem
from backend.context import Context
from backend.enums import graphql_enum
from backend.ids import parse_id
from backend.loaders import Key
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import Reach, mutation, query, read, special, write
from backend.sensitivity import Sensitivity
from backend.text import clean_text
from backend.units.service import POST_RANKS, clean_credit_code
from backend.workflow import Transition
from tenants.errors import DomainError
from tenants.labelled import Labelled
from tenants.naming import check_code
from tenants.registry import clean_name

MAX_SUBJECT_FINDINGS = 50


class SubjectKind(Labelled):
    UNIT = "unit", "单位"
    LEADER = "leader", "领导干部"


graphql_enum(CaseState, "追责问责案件的状态")
graphql_enum(MeasureKind, "问责措施")
graphql_enum(CaseBreakdown, "案件统计的口径")
graphql_enum(SubjectKind, "问责对象：单位，或单位的领导干部")


@strawberry.type(description="问责措施：何时、由谁决定、做了什么；约谈附参加人员和谈话记录；冻结、锁定附其状态")
class CaseMeasure:
    id: strawberry.ID
    kind: MeasureKind
    decided_on: date
    decided_by: str = strawberry.field(description="决定人或决定机关")
    content: str
    attendees: list[str] = strawberry.field(description="约谈的参加人员")
    minutes: str | None = strawberry.field(description="约谈的谈话记录")
    restriction: UnitRestriction | None
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, view: MeasureView) -> CaseMeasure:
        m = view.row
        return cls(
            id=strawberry.ID(str(m.id)),
            kind=MeasureKind(m.kind),
            decided_on=m.decided_on,
            decided_by=m.decided_by,
            content=m.content,
            attendees=list(m.attendees),
            minutes=m.minutes,
            recorded_by=m.recorded_by,
            recorded_at=m.recorded_at,
            restriction=UnitRestriction.from_row(view.restriction) if view.restriction is not None else None,
        )


@strawberry.type(description="问责对象：单位，或单位的领导干部")
class CaseSubject:
    kind: SubjectKind
    label: str = strawberry.field(description="如：双峰县财政局局长张三（正科级）")
    tenant_code: str = strawberry.field(description="单位所属机构")
    office_name: str
    unit_id: strawberry.ID
    unit_name: str
    credit_code: str
    leader_name: str | None
    leader_post: str | None
    leader_rank: str | None

    @strawberry.field(description="单位正在执行的冻结、锁定", graphql_type=list[UnitRestriction])
    def restrictions(self, info: Info[Context, None]) -> Awaitable[list[UnitRestriction]]:
        return unit_restrictions(info, self.tenant_code, int(self.unit_id))


@strawberry.type(description="同一对象此前的问责案件")
class EarlierCase:
    id: strawberry.ID
    title: str
    subject: str
    state: CaseState
    decision: str | None
    opened_at: datetime
    closed_at: datetime | None


@strawberry.type(description="追责问责案件；修改时须带上 version")
class AccountabilityCase:
    id: strawberry.ID
    tenant_code: str = strawberry.field(description="立案机构")
    title: str
    facts: str = strawberry.field(description="基本事实")
    subject: CaseSubject
    state: CaseState
    sensitivity: Sensitivity = strawberry.field(description="敏感程度")
    proposal: str | None = strawberry.field(description="拟处理意见")
    decision: str | None = strawberry.field(description="处理决定")
    conclusion: str | None = strawberry.field(description="结案或撤销的说明")
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None
    version: int
    key: strawberry.Private[Key]

    @classmethod
    def from_row(cls, row, tenant_code: str) -> AccountabilityCase:
        """From a case row with its subject office's name (`subject_office`)."""
        return cls(
            id=strawberry.ID(str(row.id)),
            tenant_code=tenant_code,
            title=row.title,
            facts=row.facts,
            subject=CaseSubject(
                kind=SubjectKind.UNIT if row.leader_name is None else SubjectKind.LEADER,
                label=subject_label(row),
                tenant_code=row.subject_tenant_code,
                office_name=row.subject_office,
                unit_id=strawberry.ID(str(row.subject_unit_id)),
                unit_name=row.subject_unit_name,
                credit_code=row.subject_credit_code,
                leader_name=row.leader_name,
                leader_post=row.leader_post,
                leader_rank=row.leader_rank,
            ),
            state=CaseState(row.state),
            sensitivity=Sensitivity(row.sensitivity),
            proposal=row.proposal,
            decision=row.decision,
            conclusion=row.conclusion,
            opened_by=row.opened_by,
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            version=row.version,
            key=Key(tenant_code, row.id),
        )

    @strawberry.field(description="关联的问题（来自问题库，可属辖区内多个机构）")
    async def findings(self, info: Info[Context, None]) -> list[BankProblem]:
        rows = await info.context.loaders(linked_findings_by_case).load(self.key)
        taxonomy, today = await info.context.runtime.taxonomy(), info.context.clock.today()
        return [BankProblem.of(row, taxonomy, today) for row in rows]

    @strawberry.field(description="问责措施，按记录先后", graphql_type=list[CaseMeasure])
    def measures(self, info: Info[Context, None]) -> Awaitable[list[CaseMeasure]]:
        return info.context.loaders(measures_by_case).load(self.key)

    @strawberry.field(
        description="本机构此前对同一对象（同一单位；领导干部为同一单位的同一人）的问责案件，新的在前", graphql_type=list[EarlierCase]
    )
    def earlier_cases(self, info: Info[Context, None]) -> Awaitable[list[EarlierCase]]:
        return info.context.loaders(earlier_cases_by_case).load(self.key)

    @strawberry.field(description=f"问题库中该单位的问题（发现日期新的在前，至多 {MAX_SUBJECT_FINDINGS} 个）")
    async def subject_findings(self, info: Info[Context, None]) -> list[BankProblem]:
        rows = await info.context.loaders.shared(subject_findings_by_unit).load((self.subject.tenant_code, int(self.subject.unit_id)))
        taxonomy, today = await info.context.runtime.taxonomy(), info.context.clock.today()
        return [BankProblem.of(row, taxonomy, today) for row in rows[:MAX_SUBJECT_FINDINGS]]


async def linked_findings_by_case(connection: AsyncConnection, tenant_code: str, ids: list[int], units) -> dict:
    found = await linked_finding_rows(connection, ids)
    return {case: found.get(case, []) for case in ids}


async def measures_by_case(connection: AsyncConnection, tenant_code: str, ids: list[int], units) -> dict:
    found = await measure_rows(connection, ids)
    return {case: [CaseMeasure.of(view) for view in found.get(case, [])] for case in ids}


async def earlier_cases_by_case(connection: AsyncConnection, tenant_code: str, ids: list[int], units) -> dict:
    found = await earlier_case_rows(connection, ids)
    return {
        case: [
            EarlierCase(
                id=strawberry.ID(str(r.id)),
                title=r.title,
                subject=subject_label(r),
                state=CaseState(r.state),
                decision=r.decision,
                opened_at=r.opened_at,
                closed_at=r.closed_at,
            )
            for r in found.get(case, [])
        ]
        for case in ids
    }


async def subject_findings_by_unit(connection: AsyncConnection, units: list[tuple[str, int]]) -> dict:
    found = await unit_finding_rows(connection, units)
    return {unit: found.get(unit, []) for unit in units}


@strawberry.type(description="一组案件的数量")
class CaseTally:
    key: str = strawberry.field(description="状态或问责措施的名称（如 DECIDED、INTERVIEW），或地区代码")
    label: str
    count: int


@strawberry.type(description="单位状态（供编制审批等系统联动）：是否有逾期未整改的问题、是否被冻结或锁定")
class UnitStatus:
    tenant_code: str = strawberry.field(description="单位所属机构")
    office_name: str
    unit_id: strawberry.ID
    unit_name: str
    credit_code: str
    overdue_findings: int = strawberry.field(description="逾期未销号的问题数")
    staffing_frozen: bool = strawberry.field(description="机构编制调整事项是否被冻结")
    account_locked: bool = strawberry.field(description="实名制账户是否被锁定")
    restrictions: list[UnitRestriction]

    @classmethod
    def of(cls, standing: UnitStanding) -> UnitStatus:
        unit, kinds = standing.unit, {r.kind for r in standing.restrictions}
        return cls(
            tenant_code=unit.tenant_code,
            office_name=unit.office_name,
            unit_id=strawberry.ID(str(unit.unit_id)),
            unit_name=unit.name,
            credit_code=unit.credit_code,
            overdue_findings=standing.overdue_findings,
            staffing_frozen=RestrictionKind.FREEZE in kinds,
            account_locked=RestrictionKind.LOCK in kinds,
            restrictions=[UnitRestriction.from_row(r) for r in standing.restrictions],
        )


@strawberry.input(description="问题库中的一个问题")
class BankFindingInput:
    tenant_code: str
    finding_id: strawberry.ID


@strawberry.input(description=f"问责对象：单位；问责领导干部时另填姓名、职务和职务层次（{'、'.join(POST_RANKS)}）")
class CaseSubjectInput:
    tenant_code: str = strawberry.field(description="单位所属机构（本机构或下级机构）")
    unit_id: strawberry.ID
    leader_name: str | None = None
    leader_post: str | None = None
    leader_rank: str | None = None

    def checked(self) -> Subject:
        leader = self.leader_name is not None
        if not leader and (self.leader_post is not None or self.leader_rank is not None):
            raise DomainError("INVALID_SUBJECT", "填写职务或职务层次时须填写领导干部姓名", field="subject.leaderName")
        if leader and self.leader_post is None:
            raise DomainError("INVALID_SUBJECT", "请填写领导干部的职务", field="subject.leaderPost")
        if self.leader_rank is not None and self.leader_rank not in POST_RANKS:
            raise DomainError("INVALID_SUBJECT", f"职务层次须为：{'、'.join(POST_RANKS)}", field="subject.leaderRank")
        return Subject(
            tenant_code=check_code(self.tenant_code, field="subject.tenantCode"),
            unit_id=parse_id(self.unit_id, "subject.unitId"),
            leader_name=clean_name(self.leader_name, field="subject.leaderName") if self.leader_name is not None else None,
            leader_post=clean_name(self.leader_post, field="subject.leaderPost") if self.leader_post is not None else None,
            leader_rank=self.leader_rank,
        )


@strawberry.input(description="立案")
class CaseInput:
    title: str
    facts: str = strawberry.field(description="基本事实")
    subject: CaseSubjectInput
    findings: list[BankFindingInput] = strawberry.field(default_factory=list, description="关联的问题（问题库中本机构辖区内的）")
    sensitivity: Sensitivity = strawberry.field(default=Sensitivity.SENSITIVE, description="敏感程度，默认敏感；不能低于关联的问题")

    def checked(self) -> CaseDraft:
        return CaseDraft(
            title=clean_name(self.title, field="title", max_length=200),
            facts=clean_text(self.facts, "facts", required=True),
            subject=self.subject.checked(),
            findings=tuple((check_code(f.tenant_code, field="findings"), parse_id(f.finding_id, "findings")) for f in self.findings),
            sensitivity=self.sensitivity,
        )


@strawberry.input(description="记录问责措施（冻结、锁定见 imposeUnitRestriction）；约谈须填参加人员和谈话记录")
class MeasureInput:
    kind: MeasureKind
    decided_on: date
    decided_by: str = strawberry.field(description="决定人或决定机关")
    content: str = strawberry.field(description="措施内容")
    attendees: list[str] = strawberry.field(default_factory=list)
    minutes: str | None = None

    def checked(self, today: date) -> MeasureDraft:
        if restricts(self.kind):
            raise DomainError("INVALID_MEASURE", f"{self.kind.label}须以 imposeUnitRestriction 记录，并写明解除条件", field="kind")
        return check_measure(
            MeasureDraft(
                kind=self.kind,
                decided_on=self.decided_on,
                decided_by=clean_name(self.decided_by, field="decidedBy"),
                content=clean_text(self.content, "content", required=True),
                attendees=tuple(clean_name(name, field="attendees") for name in self.attendees),
                minutes=clean_text(self.minutes, "minutes", required=False),
            ),
            today,
        )


@strawberry.input(description="冻结机构编制调整事项或锁定实名制账户，写明解除条件")
class RestrictionInput:
    kind: RestrictionKind
    decided_on: date
    decided_by: str = strawberry.field(description="决定人或决定机关")
    content: str = strawberry.field(description="措施内容")
    lift_conditions: str = strawberry.field(description="解除条件")

    def checked(self, today: date) -> MeasureDraft:
        return check_measure(
            MeasureDraft(
                kind=MeasureKind(self.kind),
                decided_on=self.decided_on,
                decided_by=clean_name(self.decided_by, field="decidedBy"),
                content=clean_text(self.content, "content", required=True),
                lift_conditions=clean_text(self.lift_conditions, "liftConditions", required=True),
            ),
            today,
        )


def service(info: Info[Context, None]) -> AccountabilityService:
    return AccountabilityService(info.context.runtime.engine)


async def _case_now(info: Info[Context, None], tenant_code: str, case_id: int) -> AccountabilityCase:
    return AccountabilityCase.from_row(await service(info).case(tenant_code, case_id), tenant_code)


async def _move(
    info: Info[Context, None], transition: Transition[CaseState], tenant_code: str, id: strawberry.ID, version: int, note: str | None
) -> AccountabilityCase:
    case_id = parse_id(id, "id")
    await service(info).move(
        await info.context.principal(),
        tenant_code,
        case_id,
        version,
        transition,
        clean_text(note, "note", required=False),
        info.context.request_id,
        now=info.context.clock.now(),
    )
    return await _case_now(info, tenant_code, case_id)


async def _record(
    info: Info[Context, None], tenant_code: str, case_id: strawberry.ID, version: int, draft: MeasureDraft
) -> AccountabilityCase:
    case = parse_id(case_id, "caseId")
    await service(info).record_measure(await info.context.principal(), tenant_code, case, version, draft, info.context.request_id)
    return await _case_now(info, tenant_code, case)


async def imposing_office(context: Context, arguments: Mapping[str, Any]) -> str | None:
    """liftUnitRestriction's office: the one whose case imposed the restriction."""
    return await AccountabilityService(context.runtime.engine).imposing_office(parse_id(arguments["restriction_id"], "restrictionId"))


@strawberry.type
class AccountabilityQuery:
    @query("本机构的追责问责案件，新的在前", read(Reach.SUBTREE))
    async def accountability_cases(
        self,
        info: Info[Context, None],
        tenant_code: str,
        state: CaseState | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page[AccountabilityCase]:
        page = await service(info).cases(tenant_code, state, first=page_size(info, first), after=after)
        info.context.read(tenant_code, SensitiveEntity.ACCOUNTABILITY_CASE, *(row.id for row in page.rows))
        return Page(items=[AccountabilityCase.from_row(row, tenant_code) for row in page.rows], page_info=PageInfo.of(page))

    @query("一件追责问责案件，含关联问题、问责措施，以及同一对象此前的案件和问题（屡查屡犯）", read(Reach.SUBTREE))
    async def accountability_case(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID) -> AccountabilityCase:
        case = await _case_now(info, tenant_code, parse_id(id, "id"))
        info.context.read(tenant_code, SensitiveEntity.ACCOUNTABILITY_CASE, case.id)
        return case

    @query("本机构追责问责案件的统计：按状态、问责措施或问责对象所在地区", read(Reach.SUBTREE))
    async def accountability_statistics(self, info: Info[Context, None], tenant_code: str, by: CaseBreakdown) -> list[CaseTally]:
        tallies = await service(info).statistics(tenant_code, by)
        return [CaseTally(key=tally.key, label=tally.label, count=tally.count) for tally in tallies]

    @query(
        "按统一社会信用代码查询单位状态（逾期问题、冻结、锁定），供审批系统联动；代码只在一个机构内唯一，返回调用者有权查看的全部同码单位",
        special("调用者可查看的机构中的同码单位（联络员限本单位）；一个也没有即 NOT_FOUND"),
    )
    async def unit_status(self, info: Info[Context, None], credit_code: str) -> list[UnitStatus]:
        standings = await service(info).unit_status(
            await info.context.principal(), clean_credit_code(credit_code), info.context.clock.today()
        )
        return [UnitStatus.of(standing) for standing in standings]


@strawberry.type
class AccountabilityMutation:
    @mutation("立案：问责对象和关联问题须在本机构辖区内", write(workflow.CASE_HANDLERS))
    async def open_accountability_case(self, info: Info[Context, None], tenant_code: str, input: CaseInput) -> AccountabilityCase:
        case_id = await service(info).open(await info.context.principal(), tenant_code, input.checked(), info.context.request_id)
        return await _case_now(info, tenant_code, case_id)

    @mutation("调查核实：开始核实已立案案件的事实", write(workflow.INVESTIGATE.roles))
    async def investigate_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str | None = None
    ) -> AccountabilityCase:
        return await _move(info, workflow.INVESTIGATE, tenant_code, id, version, note)

    @mutation("拟处理：note 写明拟处理意见", write(workflow.PROPOSE.roles))
    async def propose_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str
    ) -> AccountabilityCase:
        return await _move(info, workflow.PROPOSE, tenant_code, id, version, note)

    @mutation("退回补充调查：note 写明理由", write(workflow.SEND_BACK.roles))
    async def send_back_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str
    ) -> AccountabilityCase:
        return await _move(info, workflow.SEND_BACK, tenant_code, id, version, note)

    @mutation("决定：note 写明处理决定；问责对象所属机构会收到通知", write(workflow.DECIDE.roles))
    async def decide_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str
    ) -> AccountabilityCase:
        return await _move(info, workflow.DECIDE, tenant_code, id, version, note)

    @mutation("执行：已记录至少一项问责措施的案件进入执行", write(workflow.CARRY_OUT.roles))
    async def carry_out_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str | None = None
    ) -> AccountabilityCase:
        return await _move(info, workflow.CARRY_OUT, tenant_code, id, version, note)

    @mutation("结案：note 写明结案说明", write(workflow.CLOSE.roles))
    async def close_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str
    ) -> AccountabilityCase:
        return await _move(info, workflow.CLOSE, tenant_code, id, version, note)

    @mutation("撤销（决定前）：note 写明理由", write(workflow.WITHDRAW.roles))
    async def withdraw_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str
    ) -> AccountabilityCase:
        return await _move(info, workflow.WITHDRAW, tenant_code, id, version, note)

    @mutation("记录问责措施（案件决定后）；冻结、锁定见 imposeUnitRestriction", write(workflow.RECORD_MEASURE.roles))
    async def record_accountability_measure(
        self, info: Info[Context, None], tenant_code: str, case_id: strawberry.ID, version: int, input: MeasureInput
    ) -> AccountabilityCase:
        return await _record(info, tenant_code, case_id, version, input.checked(info.context.clock.today()))

    @mutation(
        "冻结问责对象单位的机构编制调整事项或锁定其实名制账户（案件决定后），并通知该单位所属机构", write(workflow.RECORD_RESTRICTION.roles)
    )
    async def impose_unit_restriction(
        self, info: Info[Context, None], tenant_code: str, case_id: strawberry.ID, version: int, input: RestrictionInput
    ) -> AccountabilityCase:
        return await _record(info, tenant_code, case_id, version, input.checked(info.context.clock.today()))

    @mutation("解除冻结或锁定，写明解除理由", write(workflow.CASE_DECIDERS, locate=imposing_office))
    async def lift_unit_restriction(self, info: Info[Context, None], restriction_id: strawberry.ID, note: str) -> UnitRestriction:
        row = await service(info).lift(
            await info.context.principal(),
            parse_id(restriction_id, "restrictionId"),
            clean_text(note, "note", required=True),
            info.context.request_id,
        )
        return UnitRestriction.from_row(row)
