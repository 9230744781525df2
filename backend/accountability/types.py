"""GraphQL for accountability cases (追责问责), the freezes and locks they put on units, and
the units' standing for approval systems (`unitStatus`). Relations load through DataLoaders.

Each act on a case is its own mutation, declared with the roles its transition carries
(workflow.py): handlers verify, determine and carry out, deciders send back, decide the
handling, refer, close, dismiss and withdraw; a freeze or lock (imposeUnitRestriction) is for
deciders, other measures for handlers. The organ a case was referred to answers it
(answerAccountabilityReferral) as it handles any document sent to it."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from backend.accountability import workflow
from backend.accountability.models import CaseState, MeasureKind, PersonalMeasureKind, ReferralKind, RestrictionKind
from backend.accountability.restrictions import UnitRestriction, unit_restrictions
from backend.accountability.service import (
    AccountabilityService,
    CaseBreakdown,
    CaseDraft,
    MeasureDraft,
    MeasureView,
    PersonalMeasureDraft,
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
graphql_enum(MeasureKind, "问责措施：本机构的处理措施，提出问责建议或移送，以及作出决定的机关的个人问责措施")
graphql_enum(ReferralKind, "提出问责建议或移送")
graphql_enum(PersonalMeasureKind, "个人问责措施（由党委、纪委监委或组织部决定）")
graphql_enum(CaseBreakdown, "案件统计的口径")
graphql_enum(SubjectKind, "问责对象：单位，或单位的领导干部")


@strawberry.type(
    description="问责措施：何时、由谁决定、做了什么；约谈附参加人员和谈话记录；冻结、锁定附其状态；"
    "提出问责建议或移送附接收机关和公文；个人问责措施是作出决定的机关的决定，附该机关和其复函"
)
class CaseMeasure:
    id: strawberry.ID
    kind: MeasureKind
    decided_on: date
    decided_by: str = strawberry.field(description="决定人或决定机关；个人问责措施为作出决定的机关")
    content: str
    attendees: list[str] = strawberry.field(description="约谈的参加人员")
    minutes: str | None = strawberry.field(description="约谈的谈话记录")
    restriction: UnitRestriction | None
    organ_id: strawberry.ID | None = strawberry.field(description="提出问责建议或移送的接收机关；个人问责措施：作出决定的机关")
    document_id: strawberry.ID | None = strawberry.field(description="提出问责建议或移送的公文；个人问责措施：告知处理结果的复函")
    personal: bool = strawberry.field(description="是否为个人问责措施（作出决定的机关的决定，不是本机构的措施）")
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
            organ_id=None if m.organ_id is None else strawberry.ID(str(m.organ_id)),
            document_id=None if m.document_id is None else strawberry.ID(str(m.document_id)),
            personal=m.kind in set(PersonalMeasureKind),
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
    determination: str | None = strawberry.field(description="认定意见")
    decision: str | None = strawberry.field(description="本机构的处理决定")
    conclusion: str | None = strawberry.field(description="办结、不予立案或撤销的说明")
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
            determination=row.determination,
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
    key: str = strawberry.field(description="状态或问责措施的名称（如 HANDLING、INTERVIEW），或地区代码")
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


@strawberry.input(description="受理（登记）案件")
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


@strawberry.input(
    description="记录本机构的处理措施（冻结、锁定见 imposeUnitRestriction，提出问责建议或移送见 referAccountabilityCase）；"
    "约谈须填参加人员和谈话记录；诫勉等个人问责措施由作出决定的机关记录，不在此"
)
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


@strawberry.input(description="作出决定的机关的一项个人问责措施")
class PersonalMeasureInput:
    kind: PersonalMeasureKind
    decided_on: date
    content: str = strawberry.field(description="措施内容，如：给予刘洋诫勉")

    def checked(self) -> PersonalMeasureDraft:
        return PersonalMeasureDraft(self.kind, self.decided_on, clean_text(self.content, "content", required=True))


@strawberry.input(description="纪委监委或组织部对提出问责建议或移送的答复：本机关的决定（可无个人问责措施）")
class ReferralAnswerInput:
    note: str = strawberry.field(description="处理结果说明，写入复函")
    measures: list[PersonalMeasureInput] = strawberry.field(default_factory=list, description="本机关作出的个人问责措施")


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

    @query("本机构及下级机构追责问责案件的统计：按状态、问责措施或问责对象所在地区", read(Reach.SUBTREE))
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
    @mutation("受理（登记）案件：问责对象和关联问题须在本机构辖区内", write(workflow.CASE_HANDLERS))
    async def open_accountability_case(self, info: Info[Context, None], tenant_code: str, input: CaseInput) -> AccountabilityCase:
        case_id = await service(info).open(await info.context.principal(), tenant_code, input.checked(), info.context.request_id)
        return await _case_now(info, tenant_code, case_id)

    @mutation("核查：开始核查已受理案件的事实", write(workflow.VERIFY.roles))
    async def verify_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str | None = None
    ) -> AccountabilityCase:
        return await _move(info, workflow.VERIFY, tenant_code, id, version, note)

    @mutation("认定：note 写明认定的事实和性质", write(workflow.DETERMINE.roles))
    async def determine_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str
    ) -> AccountabilityCase:
        return await _move(info, workflow.DETERMINE, tenant_code, id, version, note)

    @mutation("退回补充核查：note 写明理由", write(workflow.SEND_BACK.roles))
    async def send_back_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str
    ) -> AccountabilityCase:
        return await _move(info, workflow.SEND_BACK, tenant_code, id, version, note)

    @mutation("处理：本机构作出处理决定（note），随后记录处理措施；问责对象所属机构会收到通知", write(workflow.DECIDE.roles))
    async def decide_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str
    ) -> AccountabilityCase:
        return await _move(info, workflow.DECIDE, tenant_code, id, version, note)

    @mutation(
        "提出问责建议或移送：以本机构编办名义向本地区纪委监委或组织部发函（note 写明建议或移送事项），案件等待其答复",
        write(workflow.REFER.roles),
    )
    async def refer_accountability_case(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        kind: ReferralKind,
        organ_id: strawberry.ID,
        note: str,
    ) -> AccountabilityCase:
        case_id = parse_id(id, "id")
        await service(info).refer(
            await info.context.principal(),
            tenant_code,
            case_id,
            version,
            kind,
            parse_id(organ_id, "organId"),
            clean_text(note, "note", required=True),
            info.context.request_id,
            clock=info.context.clock,
        )
        return await _case_now(info, tenant_code, case_id)

    @mutation(
        "纪委监委或组织部答复提出问责建议或移送的公文：记录本机关的决定（个人问责措施），向编办复函，案件进入落实",
        special("收文机关（纪委监委、组织部）的管理员、监督检查人员（经办）和审核人员；先签收", writes=True),
    )
    async def answer_accountability_referral(
        self, info: Info[Context, None], document_id: strawberry.ID, organ_id: strawberry.ID, input: ReferralAnswerInput
    ) -> AccountabilityCase:
        tenant_code, case_id = await service(info).answer(
            await info.context.principal(),
            parse_id(document_id, "documentId"),
            parse_id(organ_id, "organId"),
            tuple(measure.checked() for measure in input.measures),
            clean_text(input.note, "note", required=True),
            info.context.request_id,
            clock=info.context.clock,
        )
        return await _case_now(info, tenant_code, case_id)

    @mutation("收回：接收机关退回了提出问责建议或移送的公文，案件回到已认定，可另行处理或移送", write(workflow.TAKE_BACK.roles))
    async def take_back_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str | None = None
    ) -> AccountabilityCase:
        return await _move(info, workflow.TAKE_BACK, tenant_code, id, version, note)

    @mutation("落实：已记录至少一项本机构处理措施的案件进入落实", write(workflow.CARRY_OUT.roles))
    async def carry_out_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str | None = None
    ) -> AccountabilityCase:
        return await _move(info, workflow.CARRY_OUT, tenant_code, id, version, note)

    @mutation("办结：note 写明办结说明", write(workflow.CLOSE.roles))
    async def close_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str
    ) -> AccountabilityCase:
        return await _move(info, workflow.CLOSE, tenant_code, id, version, note)

    @mutation("不予立案（受理或核查后）：note 写明理由", write(workflow.DISMISS.roles))
    async def dismiss_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str
    ) -> AccountabilityCase:
        return await _move(info, workflow.DISMISS, tenant_code, id, version, note)

    @mutation("撤销（处理或移送前）：note 写明理由", write(workflow.WITHDRAW.roles))
    async def withdraw_accountability_case(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str
    ) -> AccountabilityCase:
        return await _move(info, workflow.WITHDRAW, tenant_code, id, version, note)

    @mutation("记录本机构的处理措施（处理决定后）；冻结、锁定见 imposeUnitRestriction", write(workflow.RECORD_MEASURE.roles))
    async def record_accountability_measure(
        self, info: Info[Context, None], tenant_code: str, case_id: strawberry.ID, version: int, input: MeasureInput
    ) -> AccountabilityCase:
        return await _record(info, tenant_code, case_id, version, input.checked(info.context.clock.today()))

    @mutation(
        "冻结问责对象单位的机构编制调整事项或锁定其实名制账户（处理决定后），并通知该单位所属机构", write(workflow.RECORD_RESTRICTION.roles)
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
