"""GraphQL for inspection rounds and unit self-checks (自查)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.enums import graphql_enum
from backend.ids import optional_id, parse_id
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import Reach, mutation, query, read, write
from backend.rounds.coverage import Term, not_covered_first
from backend.rounds.leading import BY_ROUND_ID
from backend.rounds.models import InspectionMethod, RoundKind, RoundStage, TeamDuty
from backend.rounds.service import (
    SELF_CHECK_WRITERS,
    RoundData,
    RoundService,
    RoundView,
    check_announcement,
    check_plan,
    check_round,
)
from backend.rounds.workflow import ANNOUNCE, ROUND_WRITERS, ROUNDS, SET_PLAN, STEPS
from backend.supervision.calendar import check_year
from tenants.labelled import Labelled

graphql_enum(RoundKind, "检查轮次的类型")
graphql_enum(InspectionMethod, "检查方式")
graphql_enum(TeamDuty, "检查组成员的职责")
graphql_enum(RoundStage, "检查轮次所处的阶段")
RoundAction = graphql_enum(ROUNDS.actions("RoundAction", STEPS), "检查轮次的推进操作（每次进入下一阶段）")
RoundActionTaken = graphql_enum(ROUNDS.actions("RoundActionTaken"), "检查轮次经历的操作（推进阶段、填写检查方案、发布进驻公告）")


@strawberry.type(description="检查组成员（联合检查组的成员来自不同机关）")
class TeamMember:
    name: str
    duty: TeamDuty
    organ_id: strawberry.ID | None = strawberry.field(description="成员所在的机关；为空即本机构（编办）")
    organ_name: str | None = strawberry.field(description="成员所在机关的简称")


@strawberry.input(description="检查组成员")
class TeamMemberInput:
    name: str
    duty: TeamDuty
    organ_id: strawberry.ID | None = strawberry.field(default=None, description="成员所在的机关（巡察组、组织部等）；不填为本机构（编办）")


@strawberry.type(description="检查轮次的一次阶段推进：何时、由谁、从哪一阶段到哪一阶段")
class RoundStageChange:
    action: str = strawberry.field(graphql_type=RoundActionTaken)  # stored as the act's label
    from_stage: RoundStage
    to_stage: RoundStage
    note: str | None
    actor: str
    occurred_at: datetime

    @classmethod
    def from_row(cls, row) -> RoundStageChange:
        return cls(
            action=row.action,
            from_stage=RoundStage(row.from_state),
            to_stage=RoundStage(row.to_state),
            note=row.note,
            actor=row.actor,
            occurred_at=row.occurred_at,
        )


@strawberry.type(description="单位被检查的一次记录：哪一轮次、何时、处于哪一阶段、发现多少问题")
class UnitInspection:
    round_id: strawberry.ID
    kind: RoundKind
    name: str
    starts_on: date
    ends_on: date | None
    stage: RoundStage
    findings: int = strawberry.field(description="本轮次在该单位发现的问题数")

    @classmethod
    def from_row(cls, row) -> UnitInspection:
        return cls(
            round_id=strawberry.ID(str(row.id)),
            kind=RoundKind(row.kind),
            name=row.name,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            stage=RoundStage(row.state),
            findings=row.findings,
        )


@strawberry.type(description="检查轮次看板的一行：所处阶段及其起始时间，各环节进度和逾期事项")
class RoundStatus:
    round_id: strawberry.ID
    name: str
    kind: RoundKind
    stage: RoundStage
    stage_since: datetime = strawberry.field(description="进入当前阶段的时间")
    units: int = strawberry.field(description="覆盖的单位数")
    fed_back: int = strawberry.field(description="已统一反馈的单位数")
    accepted: int = strawberry.field(description="已验收的单位数")
    unsettled_drafts: int = strawberry.field(description="尚未定稿的问题底稿数")
    late_plan_unit_ids: list[strawberry.ID] = strawberry.field(description="整改方案逾期未报送的单位")
    late_report_unit_ids: list[strawberry.ID] = strawberry.field(description="整改情况报告逾期未报送的单位")
    overdue_findings: int = strawberry.field(description="逾期未整改的问题数")

    @classmethod
    def from_row(cls, row) -> RoundStatus:
        return cls(
            round_id=strawberry.ID(str(row.id)),
            name=row.name,
            kind=RoundKind(row.kind),
            stage=RoundStage(row.state),
            stage_since=row.stage_since,
            units=row.units,
            fed_back=row.fed_back,
            accepted=row.accepted,
            unsettled_drafts=row.unsettled_drafts,
            late_plan_unit_ids=[strawberry.ID(str(unit)) for unit in row.late_plans],
            late_report_unit_ids=[strawberry.ID(str(unit)) for unit in row.late_reports],
            overdue_findings=row.overdue,
        )


@strawberry.type(description="本机构牵头、在下级机构开展的一个轮次（上级巡视巡察）及其进展")
class LedRoundStatus:
    tenant_code: str = strawberry.field(description="轮次所在（被检查单位所属）的机构")
    office_name: str
    round: RoundStatus


@strawberry.type(description="一个未覆盖的单位及其最近一次被检查的时间")
class UncoveredUnit:
    unit_id: strawberry.ID
    name: str
    planned: bool = strawberry.field(description="届期内已列入计划（尚未进驻）")
    last_inspected_on: date | None = strawberry.field(description="最近一次进驻检查的开始日期；从未检查为空")


@strawberry.type(description="届期内的检查全覆盖进度")
class InspectionCoverage:
    units: int = strawberry.field(description="本机构的被检查单位数")
    covered: int = strawberry.field(description="届期内已进驻检查的单位数")
    planned: int = strawberry.field(description="未检查但已列入计划的单位数")
    not_covered: list[UncoveredUnit] = strawberry.field(description="尚未覆盖的单位，从未检查的在前，其次是间隔最久的")

    @classmethod
    def of(cls, rows) -> InspectionCoverage:
        left_out = not_covered_first(rows)
        return cls(
            units=len(rows),
            covered=len(rows) - len(left_out),
            planned=sum(row.planned for row in left_out),
            not_covered=[
                UncoveredUnit(
                    unit_id=strawberry.ID(str(row.id)), name=row.name, planned=row.planned, last_inspected_on=row.last_inspected_on
                )
                for row in left_out
            ],
        )


@strawberry.type(description="进驻公告：受理来信来访的联系方式和时间")
class StationingNotice:
    phone: str
    mailbox: str = strawberry.field(description="信箱（电子邮箱或邮政信箱）")
    address: str | None
    receiving_from: date
    receiving_to: date

    @classmethod
    def of(cls, announcement: dict | None) -> StationingNotice | None:
        if announcement is None:
            return None
        return cls(
            phone=announcement["phone"],
            mailbox=announcement["mailbox"],
            address=announcement["address"],
            receiving_from=date.fromisoformat(announcement["receiving_from"]),
            receiving_to=date.fromisoformat(announcement["receiving_to"]),
        )


@strawberry.type(description="一轮巡视巡察或专项检查")
class Round:
    id: strawberry.ID
    kind: RoundKind
    name: str
    starts_on: date
    ends_on: date | None
    methods: list[InspectionMethod]
    unit_ids: list[strawberry.ID]
    team: list[TeamMember]
    stage: RoundStage
    version: int
    follows_round_id: strawberry.ID | None = strawberry.field(description="回头看：所回头看的轮次")
    led_by: str | None = strawberry.field(description="牵头检查的上级机构代码；本机构自行开展的为空")
    scope: str | None = strawberry.field(description="检查方案：检查范围")
    key_points: list[str] = strawberry.field(description="检查方案：检查重点（问题分类代码）")
    division_of_work: str | None = strawberry.field(description="检查方案：任务分工")
    announcement: StationingNotice | None = strawberry.field(description="进驻公告")

    @classmethod
    def from_view(cls, view: RoundView) -> Round:
        row = view.row
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=RoundKind(row.kind),
            name=row.name,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            methods=[InspectionMethod(method) for method in row.methods],
            unit_ids=[strawberry.ID(str(u)) for u in view.unit_ids],
            team=[
                TeamMember(
                    name=m.name,
                    duty=TeamDuty(m.duty),
                    organ_id=None if m.organ_id is None else strawberry.ID(str(m.organ_id)),
                    organ_name=m.organ_name,
                )
                for m in view.team
            ],
            stage=RoundStage(row.state),
            version=row.version,
            follows_round_id=None if row.follows_round_id is None else strawberry.ID(str(row.follows_round_id)),
            led_by=row.led_by,
            scope=row.scope,
            key_points=row.key_points,
            division_of_work=row.division_of_work,
            announcement=StationingNotice.of(row.announcement),
        )


@strawberry.type(description="被检查单位的自查报告")
class SelfCheck:
    id: strawberry.ID
    round_id: strawberry.ID
    unit_id: strawberry.ID
    content: str
    submitted_by: str
    submitted_at: datetime

    @classmethod
    def from_row(cls, row) -> SelfCheck:
        return cls(
            id=strawberry.ID(str(row.id)),
            round_id=strawberry.ID(str(row.round_id)),
            unit_id=strawberry.ID(str(row.unit_id)),
            content=row.content,
            submitted_by=row.submitted_by,
            submitted_at=row.submitted_at,
        )


@strawberry.input(description="新建检查轮次")
class RoundInput:
    kind: RoundKind
    name: str
    starts_on: date
    ends_on: date | None = None
    methods: list[InspectionMethod] = strawberry.field(default_factory=list)
    unit_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    team: list[TeamMemberInput] = strawberry.field(default_factory=list)
    stage: RoundStage = strawberry.field(
        default=RoundStage.PLANNED, description="所处阶段：新的轮次为“计划”；补录已在进行的轮次时填写其当前阶段"
    )
    follows_round_id: strawberry.ID | None = strawberry.field(default=None, description="回头看：所回头看的轮次（须已进入整改）")


@strawberry.input(description="检查方案")
class InspectionPlanInput:
    scope: str = strawberry.field(description="检查范围")
    key_points: list[str] = strawberry.field(default_factory=list, description="检查重点：问题分类代码（任一级）")
    methods: list[InspectionMethod] = strawberry.field(default_factory=list)
    division_of_work: str | None = strawberry.field(default=None, description="任务分工")


@strawberry.input(description="进驻公告")
class StationingInput:
    phone: str
    mailbox: str
    receiving_from: date
    receiving_to: date
    address: str | None = None


def round_data(input: RoundInput) -> RoundData:
    return check_round(
        kind=input.kind,
        name=input.name,
        starts_on=input.starts_on,
        ends_on=input.ends_on,
        methods=input.methods,
        unit_ids=[parse_id(u, "unitIds") for u in input.unit_ids],
        team=[(m.name, m.duty, optional_id(m.organ_id, "team")) for m in input.team],
        stage=input.stage,
        follows_round_id=optional_id(input.follows_round_id, "input.followsRoundId"),
    )


def rounds(info: Info[Context, None]) -> RoundService:
    return RoundService(info.context.runtime.engine)


@strawberry.type
class RoundQuery:
    @query("某机构的检查轮次，新的在前；给出 year 即该年度检查计划（当年开始的轮次）；联络员只看到覆盖本单位的轮次", read())
    async def rounds(
        self, info: Info[Context, None], tenant_code: str, first: int = 50, after: str | None = None, year: int | None = None
    ) -> Page[Round]:
        principal = await info.context.principal()
        page = await rounds(info).page(
            principal, tenant_code, first=page_size(info, first), after=after, year=None if year is None else check_year(year)
        )
        return Page(items=[Round.from_view(view) for view in page.rows], page_info=PageInfo.of(page))

    @query("一个检查轮次", read())
    async def round(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID) -> Round:
        principal = await info.context.principal()
        return Round.from_view(await rounds(info).get(principal, tenant_code, parse_id(id, "id")))

    @query("检查轮次看板：尚未归档的轮次所处阶段和逾期事项，逾期多的在前；联络员只看到覆盖本单位的轮次及本单位的情况", read())
    async def round_dashboard(self, info: Info[Context, None], tenant_code: str) -> list[RoundStatus]:
        principal = await info.context.principal()
        rows = await rounds(info).dashboard(principal, tenant_code, info.context.clock.today())
        return [RoundStatus.from_row(row) for row in rows]

    @query("本机构牵头、在各下级机构开展的尚未归档的轮次及其逾期事项（各机构依次列出）", read(Reach.SUBTREE, tenant="leader_code"))
    async def led_rounds(self, info: Info[Context, None], leader_code: str) -> list[LedRoundStatus]:
        principal = await info.context.principal()
        found = await rounds(info).led(principal, leader_code, info.context.clock.today())
        return [LedRoundStatus(tenant_code=office.code, office_name=office.name, round=RoundStatus.from_row(row)) for office, row in found]

    @query("届期内检查全覆盖进度：已覆盖、已列入计划和尚未覆盖的单位（回头看和三责联审不计）", read(Reach.SUBTREE))
    async def inspection_coverage(
        self, info: Info[Context, None], tenant_code: str, term_start: date, term_end: date
    ) -> InspectionCoverage:
        principal = await info.context.principal()
        rows = await rounds(info).coverage(principal, tenant_code, Term(term_start, term_end))
        return InspectionCoverage.of(rows)

    @query("某单位被检查的历史（覆盖它的轮次，新的在前，各发现多少问题）：安排检查时避免重复检查同一单位", read())
    async def unit_inspection_history(self, info: Info[Context, None], tenant_code: str, unit_id: strawberry.ID) -> list[UnitInspection]:
        principal = await info.context.principal()
        rows = await rounds(info).unit_history(principal, tenant_code, parse_id(unit_id, "unitId"))
        return [UnitInspection.from_row(row) for row in rows]

    @query("检查轮次的阶段推进记录，先后为序", read())
    async def round_stage_history(self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID) -> list[RoundStageChange]:
        principal = await info.context.principal()
        rows = await rounds(info).stage_history(principal, tenant_code, parse_id(round_id, "roundId"))
        return [RoundStageChange.from_row(row) for row in rows]

    @query("某轮次各单位的自查报告，按单位；联络员只看到本单位的", read())
    async def self_checks(
        self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID, first: int = 50, after: str | None = None
    ) -> Page[SelfCheck]:
        principal = await info.context.principal()
        page = await rounds(info).self_checks(
            principal, tenant_code, parse_id(round_id, "roundId"), first=page_size(info, first), after=after
        )
        return Page(items=[SelfCheck.from_row(row) for row in page.rows], page_info=PageInfo.of(page))


@strawberry.type
class RoundMutation:
    @mutation("新建检查轮次", write(ROUND_WRITERS))
    async def create_round(self, info: Info[Context, None], tenant_code: str, input: RoundInput) -> Round:
        principal = await info.context.principal()
        view = await rounds(info).create(principal, tenant_code, round_data(input), info.context.request_id)
        return Round.from_view(view)

    @mutation(
        "上级机构牵头对下级机构的单位开展检查（上级巡视巡察）：轮次建在被检查单位所属机构（tenantCode），"
        "问题底稿、统一反馈、审核整改方案和整改情况报告、验收销号由牵头机构（leaderCode）负责",
        write(ROUND_WRITERS, tenant="leader_code"),
    )
    async def create_led_round(self, info: Info[Context, None], leader_code: str, tenant_code: str, input: RoundInput) -> Round:
        principal = await info.context.principal()
        view = await rounds(info).create(principal, tenant_code, round_data(input), info.context.request_id, led_by=leader_code)
        return Round.from_view(view)

    @mutation(
        "把检查轮次推进到下一阶段（计划→准备→进驻→了解情况→报告→反馈→整改→验收→归档）；version 须为读到的版本",
        write(ROUND_WRITERS, locate=BY_ROUND_ID),
    )
    async def move_round(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        action: Annotated[Labelled, strawberry.argument(graphql_type=RoundAction)],
        note: str | None = None,
    ) -> Round:
        principal = await info.context.principal()
        transition = ROUNDS.transition(action.name.lower())
        view = await rounds(info).move(principal, tenant_code, parse_id(id, "id"), version, transition, note, info.context.request_id)
        return Round.from_view(view)

    @mutation("填写检查方案（计划或准备阶段）：范围、重点、方式和分工；version 须为读到的版本", write(ROUND_WRITERS, locate=BY_ROUND_ID))
    async def set_inspection_plan(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, input: InspectionPlanInput
    ) -> Round:
        principal = await info.context.principal()
        values = check_plan(
            scope=input.scope,
            key_points=input.key_points,
            methods=input.methods,
            division_of_work=input.division_of_work,
            taxonomy=await info.context.runtime.taxonomy(),
        )
        view = await rounds(info).move(
            principal, tenant_code, parse_id(id, "id"), version, SET_PLAN, None, info.context.request_id, values=values
        )
        return Round.from_view(view)

    @mutation("发布进驻公告（进驻或了解情况阶段）：受理来信来访的电话、信箱和时间", write(ROUND_WRITERS, locate=BY_ROUND_ID))
    async def announce_stationing(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, input: StationingInput
    ) -> Round:
        principal = await info.context.principal()
        values = check_announcement(
            phone=input.phone,
            mailbox=input.mailbox,
            address=input.address,
            receiving_from=input.receiving_from,
            receiving_to=input.receiving_to,
        )
        view = await rounds(info).move(
            principal, tenant_code, parse_id(id, "id"), version, ANNOUNCE, None, info.context.request_id, values=values
        )
        return Round.from_view(view)

    @mutation("提交（或更新）本单位在某轮次的自查报告（联络员限本单位）", write(SELF_CHECK_WRITERS))
    async def submit_self_check(
        self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID, unit_id: strawberry.ID, content: str
    ) -> SelfCheck:
        principal = await info.context.principal()
        row = await rounds(info).submit_self_check(
            principal,
            tenant_code,
            parse_id(round_id, "roundId"),
            parse_id(unit_id, "unitId"),
            content,
            info.context.request_id,
        )
        return SelfCheck.from_row(row)
