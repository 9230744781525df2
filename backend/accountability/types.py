"""GraphQL for accountability cases (追责问责), the freezes and locks they put on units, and
the units' standing for approval systems (`unitStatus`). Relations load through DataLoaders."""

from __future__ import annotations

import enum
from collections.abc import Awaitable
from datetime import date, datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from backend.accountability import workflow
from backend.accountability.models import CASE_STATES
from backend.accountability.restrictions import UnitRestriction, unit_restrictions
from backend.accountability.service import (
    AccountabilityService,
    CaseDraft,
    MeasureDraft,
    MeasureView,
    Subject,
    UnitStanding,
    check_measure,
    earlier_case_rows,
    linked_finding_rows,
    measure_rows,
    subject_label,
    unit_finding_rows,
)
from backend.bank.types import BankProblem
from backend.context import Context
from backend.ids import optional_id, parse_id
from backend.loaders import Key
from backend.pagination import page_size
from backend.text import clean_text
from backend.units.service import POST_RANKS, clean_credit_code
from tenants.errors import DomainError
from tenants.naming import check_code
from tenants.registry import clean_name

MAX_SUBJECT_FINDINGS = 50


@strawberry.enum(description="问责措施")
class MeasureKind(enum.Enum):
    INTERVIEW = "约谈"
    PHONE_REMINDER = "电话提醒"
    CRITICISM = "通报批评"
    LETTER = "函告"
    REFERRAL = "移交纪检监察机关"
    FREEZE = "冻结机构编制调整事项"
    LOCK = "锁定实名制账户"
    ORDER_RECTIFICATION = "责令整改"
    ORGANIZATIONAL_HANDLING = "组织处理"


@strawberry.enum(
    description="案件流转：INVESTIGATE 调查核实；PROPOSE 拟处理（写明处理意见）；SEND_BACK 退回补充调查；"
    "DECIDE 决定（写明处理决定）；CARRY_OUT 执行；CLOSE 结案；WITHDRAW 撤销（写明理由）"
)
class CaseAction(enum.Enum):
    INVESTIGATE = "INVESTIGATE"
    PROPOSE = "PROPOSE"
    SEND_BACK = "SEND_BACK"
    DECIDE = "DECIDE"
    CARRY_OUT = "CARRY_OUT"
    CLOSE = "CLOSE"
    WITHDRAW = "WITHDRAW"


ACTIONS = {
    CaseAction.INVESTIGATE: workflow.INVESTIGATE,
    CaseAction.PROPOSE: workflow.PROPOSE,
    CaseAction.SEND_BACK: workflow.SEND_BACK,
    CaseAction.DECIDE: workflow.DECIDE,
    CaseAction.CARRY_OUT: workflow.CARRY_OUT,
    CaseAction.CLOSE: workflow.CLOSE,
    CaseAction.WITHDRAW: workflow.WITHDRAW,
}


@strawberry.enum(description="统计口径：STATE 案件状态；MEASURE 问责措施（采取该措施的案件数）；REGION 问责对象所在地区")
class CaseBreakdown(enum.Enum):
    STATE = "state"
    MEASURE = "measure"
    REGION = "region"


@strawberry.type(description="问责措施：何时、由谁决定、做了什么；约谈附参加人员和谈话记录；冻结、锁定附其状态")
class CaseMeasure:
    id: strawberry.ID
    kind: str
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
            kind=m.kind,
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
    kind: str = strawberry.field(description="单位 或 领导干部")
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
    state: str
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
    state: str
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
                kind="单位" if row.leader_name is None else "领导干部",
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
            state=row.state,
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
                state=r.state,
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
    key: str
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
            staffing_frozen=MeasureKind.FREEZE.value in kinds,
            account_locked=MeasureKind.LOCK.value in kinds,
            restrictions=[UnitRestriction.from_row(r) for r in standing.restrictions],
        )


@strawberry.input(description="问题库中的一个问题")
class BankFindingInput:
    tenant_code: str
    finding_id: strawberry.ID


@strawberry.input(description=f"问责对象：单位；问责领导干部时另填姓名、职务和职级（{'、'.join(POST_RANKS)}）")
class CaseSubjectInput:
    tenant_code: str = strawberry.field(description="单位所属机构（本机构或下级机构）")
    unit_id: strawberry.ID
    leader_name: str | None = None
    leader_post: str | None = None
    leader_rank: str | None = None

    def checked(self) -> Subject:
        leader = self.leader_name is not None
        if not leader and (self.leader_post is not None or self.leader_rank is not None):
            raise DomainError("INVALID_SUBJECT", "填写职务或职级时须填写领导干部姓名", field="subject.leaderName")
        if leader and self.leader_post is None:
            raise DomainError("INVALID_SUBJECT", "请填写领导干部的职务", field="subject.leaderPost")
        if self.leader_rank is not None and self.leader_rank not in POST_RANKS:
            raise DomainError("INVALID_SUBJECT", f"职级须为：{'、'.join(POST_RANKS)}", field="subject.leaderRank")
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

    def checked(self) -> CaseDraft:
        return CaseDraft(
            title=clean_name(self.title, field="title", max_length=200),
            facts=clean_text(self.facts, "facts", required=True),
            subject=self.subject.checked(),
            findings=tuple((check_code(f.tenant_code, field="findings"), parse_id(f.finding_id, "findings")) for f in self.findings),
        )


@strawberry.input(description="记录问责措施；约谈须填参加人员和谈话记录；冻结、锁定须填解除条件")
class MeasureInput:
    kind: MeasureKind
    decided_on: date
    decided_by: str = strawberry.field(description="决定人或决定机关")
    content: str = strawberry.field(description="措施内容")
    attendees: list[str] = strawberry.field(default_factory=list)
    minutes: str | None = None
    lift_conditions: str | None = None

    def checked(self, today: date) -> MeasureDraft:
        return check_measure(
            MeasureDraft(
                kind=self.kind.value,
                decided_on=self.decided_on,
                decided_by=clean_name(self.decided_by, field="decidedBy"),
                content=clean_text(self.content, "content", required=True),
                attendees=tuple(clean_name(name, field="attendees") for name in self.attendees),
                minutes=clean_text(self.minutes, "minutes", required=False),
                lift_conditions=clean_text(self.lift_conditions, "liftConditions", required=False),
            ),
            today,
        )


def service(info: Info[Context, None]) -> AccountabilityService:
    return AccountabilityService(info.context.runtime.engine)


async def _case_now(info: Info[Context, None], tenant_code: str, case_id: int) -> AccountabilityCase:
    row = await service(info).case(await info.context.principal(), tenant_code, case_id)
    return AccountabilityCase.from_row(row, tenant_code)


@strawberry.type
class AccountabilityQuery:
    @strawberry.field(description="本机构的追责问责案件，新的在前（本机构及上级机构人员可看，联络员不可）；before 为上一页最后一件的 id")
    async def accountability_cases(
        self,
        info: Info[Context, None],
        tenant_code: str,
        state: str | None = None,
        first: int = 50,
        before: strawberry.ID | None = None,
    ) -> list[AccountabilityCase]:
        if state is not None and state not in CASE_STATES:
            raise DomainError("INVALID_STATE", f"案件状态须为：{'、'.join(CASE_STATES)}", field="state")
        tenant_code = check_code(tenant_code, field="tenantCode")
        rows = await service(info).cases(
            await info.context.principal(), tenant_code, state, first=page_size(info, first), before=optional_id(before, "before")
        )
        return [AccountabilityCase.from_row(row, tenant_code) for row in rows]

    @strawberry.field(description="一件追责问责案件，含关联问题、问责措施，以及同一对象此前的案件和问题（屡查屡犯）")
    async def accountability_case(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID) -> AccountabilityCase:
        return await _case_now(info, check_code(tenant_code, field="tenantCode"), parse_id(id, "id"))

    @strawberry.field(description="本机构追责问责案件的统计：按状态、问责措施或问责对象所在地区")
    async def accountability_statistics(self, info: Info[Context, None], tenant_code: str, by: CaseBreakdown) -> list[CaseTally]:
        counted = await service(info).statistics(await info.context.principal(), check_code(tenant_code, field="tenantCode"), by.value)
        return [CaseTally(key=key, label=label, count=count) for key, label, count in counted]

    @strawberry.field(
        description="按统一社会信用代码查询单位状态（逾期问题、冻结、锁定），供审批系统联动；"
        "代码只在一个机构内唯一，返回调用者有权查看的全部同码单位"
    )
    async def unit_status(self, info: Info[Context, None], credit_code: str) -> list[UnitStatus]:
        standings = await service(info).unit_status(
            await info.context.principal(), clean_credit_code(credit_code), info.context.clock.today()
        )
        return [UnitStatus.of(standing) for standing in standings]


@strawberry.type
class AccountabilityMutation:
    @strawberry.mutation(description="立案（管理员、检查员、发布员）：问责对象和关联问题须在本机构辖区内")
    async def open_accountability_case(self, info: Info[Context, None], tenant_code: str, input: CaseInput) -> AccountabilityCase:
        principal = await info.context.writer()
        tenant_code = check_code(tenant_code, field="tenantCode")
        case_id = await service(info).open(principal, tenant_code, input.checked(), info.context.request_id)
        return await _case_now(info, tenant_code, case_id)

    @strawberry.mutation(description="案件流转（见 CaseAction）；决定、退回、结案、撤销限管理员和发布员；拟处理、决定、结案、撤销须写 note")
    async def move_accountability_case(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        action: CaseAction,
        note: str | None = None,
    ) -> AccountabilityCase:
        principal = await info.context.writer()
        tenant_code, case_id = check_code(tenant_code, field="tenantCode"), parse_id(id, "id")
        await service(info).move(
            principal,
            tenant_code,
            case_id,
            version,
            ACTIONS[action],
            clean_text(note, "note", required=False),
            info.context.request_id,
            now=info.context.clock.now(),
        )
        return await _case_now(info, tenant_code, case_id)

    @strawberry.mutation(description="记录问责措施（案件决定后）；冻结、锁定限管理员和发布员，并通知该单位所属机构")
    async def record_accountability_measure(
        self,
        info: Info[Context, None],
        tenant_code: str,
        case_id: strawberry.ID,
        version: int,
        input: MeasureInput,
    ) -> AccountabilityCase:
        principal = await info.context.writer()
        tenant_code, case = check_code(tenant_code, field="tenantCode"), parse_id(case_id, "caseId")
        await service(info).record_measure(
            principal, tenant_code, case, version, input.checked(info.context.clock.today()), info.context.request_id
        )
        return await _case_now(info, tenant_code, case)

    @strawberry.mutation(description="解除冻结或锁定（作出决定的机构的管理员、发布员），写明解除理由")
    async def lift_unit_restriction(self, info: Info[Context, None], restriction_id: strawberry.ID, note: str) -> UnitRestriction:
        principal = await info.context.writer()
        row = await service(info).lift(
            principal, parse_id(restriction_id, "restrictionId"), clean_text(note, "note", required=True), info.context.request_id
        )
        return UnitRestriction.from_row(row)
