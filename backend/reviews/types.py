"""GraphQL for leader responsibility reviews (三责联审): leaders, the year's review plan,
reviews with their stages and the findings they raised."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable
from datetime import date, datetime

import strawberry
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from backend.context import Context
from backend.enums import graphql_enum
from backend.findings.service import check_finding
from backend.findings.types import EvidenceSource, Finding, Severity, read_finding, units_by_id
from backend.ids import optional_id, parse_id
from backend.letters.models import DisciplineLetter, LetterKind
from backend.loaders import Key
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import Reach, mutation, query, read, write
from backend.reviews import workflow
from backend.reviews.models import STAGES, LeaderLevel, LeavingReason, ReviewGrade, ReviewKind, ReviewStageName, ReviewState
from backend.reviews.models import Leader as LeaderRow
from backend.reviews.service import DisciplineTalkData, LeaderData, ReviewService, check_leader, check_year, problem_rows, stage_rows
from backend.text import MAX_NOTE
from backend.units.types import Unit
from problem_bank.rectification import LedgerState

graphql_enum(LeaderLevel, "领导干部的类别（三责联审的对象）")
graphql_enum(ReviewGrade, "审核结论的等次")
graphql_enum(LeavingReason, "离任原因")
graphql_enum(ReviewKind, "审核类型")
graphql_enum(ReviewState, "领导干部审核的状态")
graphql_enum(ReviewStageName, "审核阶段，须按此顺序逐一记录")


@strawberry.type(description="对新任领导干部的机构编制纪律谈话（湖南：第一时间开展）")
class DisciplineTalk:
    held_on: date = strawberry.field(description="谈话时间")
    conducted_by: str = strawberry.field(description="谈话人")
    notes: str | None = strawberry.field(description="谈话要点")


@strawberry.input(description="纪律谈话记录")
class DisciplineTalkInput:
    held_on: date = strawberry.field(description="谈话时间")
    conducted_by: str = strawberry.field(description="谈话人，如“县委编办主任 李某”")
    notes: str | None = strawberry.field(default=None, description="谈话要点")


@strawberry.type(description="被审核的领导干部（只记录审核所需的最少信息）")
class Leader:
    id: strawberry.ID
    unit_id: strawberry.ID
    name: str
    post: str = strawberry.field(description="职务")
    level: LeaderLevel
    appointed_on: date = strawberry.field(description="任现职时间")
    left_on: date | None = strawberry.field(description="离任时间")
    leaving_reason: LeavingReason | None
    discipline_talk: DisciplineTalk | None = strawberry.field(description="任职后的纪律谈话；为空即尚未谈话")
    version: int
    tenant_code: strawberry.Private[str]

    @classmethod
    def from_row(cls, row, tenant_code: str) -> Leader:
        return cls(
            id=strawberry.ID(str(row.id)),
            unit_id=strawberry.ID(str(row.unit_id)),
            name=row.name,
            post=row.post,
            level=LeaderLevel(row.level),
            appointed_on=row.appointed_on,
            left_on=row.left_on,
            leaving_reason=None if row.leaving_reason is None else LeavingReason(row.leaving_reason),
            discipline_talk=None
            if row.talk_held_on is None
            else DisciplineTalk(held_on=row.talk_held_on, conducted_by=row.talk_conducted_by, notes=row.talk_notes),
            version=row.version,
            tenant_code=tenant_code,
        )

    @strawberry.field(description="所在单位", graphql_type=Unit)
    def unit(self, info: Info[Context, None]) -> Awaitable[Unit]:
        return info.context.loaders(units_by_id).load(Key(self.tenant_code, int(self.unit_id)))

    @strawberry.field(
        description="致其本人的任初函告文号；为空即尚未发出（新任领导干部应及时发出任初函告，湖南的做法）",
        graphql_type=str | None,
    )
    def appointment_letter(self, info: Info[Context, None]) -> Awaitable[str | None]:
        return info.context.loaders(appointment_letters).load(Key(self.tenant_code, int(self.id)))


async def appointment_letters(connection: AsyncConnection, tenant_code: str, ids: list[int], units) -> dict[int, str]:
    """leader id → the 文号 of the latest 任初函告 to that leader (same unit, same name) since the appointment."""
    query = (
        select(LeaderRow.id, DisciplineLetter.document_number)
        .join(
            DisciplineLetter,
            and_(
                DisciplineLetter.unit_id == LeaderRow.unit_id,
                DisciplineLetter.recipient_name == LeaderRow.name,
                DisciplineLetter.kind == LetterKind.APPOINTMENT.value,
                func.date(DisciplineLetter.issued_at) >= LeaderRow.appointed_on,
            ),
        )
        .where(LeaderRow.id.in_(ids))
        .order_by(DisciplineLetter.issued_at)
    )
    return dict((await connection.execute(query)).all())  # the latest wins


@strawberry.type(description="已记录的审核阶段")
class ReviewStageRecord:
    stage: ReviewStageName
    held_on: date
    notes: str | None
    recorded_by: str
    recorded_at: datetime


@strawberry.type(description="审核发现的问题（已登记为整改台账中的问题）")
class ReviewFinding:
    finding_id: strawberry.ID
    code: str
    description: str
    severity: Severity
    found_on: date
    state: LedgerState = strawberry.field(description="台账状态")
    deadline: date


def stage_record(row) -> ReviewStageRecord:
    return ReviewStageRecord(
        stage=ReviewStageName(row.stage), held_on=row.held_on, notes=row.notes, recorded_by=row.recorded_by, recorded_at=row.recorded_at
    )


def review_finding(row) -> ReviewFinding:
    return ReviewFinding(
        finding_id=strawberry.ID(str(row.id)),
        code=row.code,
        description=row.description,
        severity=Severity(row.severity),
        found_on=row.found_on,
        state=LedgerState(row.state),
        deadline=row.deadline,
    )


async def leaders_by_id(connection: AsyncConnection, tenant_code: str, ids: list[int], units) -> dict[int, Leader]:
    rows = await connection.execute(select(LeaderRow).where(LeaderRow.id.in_(ids)))
    return {row.id: Leader.from_row(row, tenant_code) for row in rows}


async def stages_by_review(connection: AsyncConnection, tenant_code: str, ids: list[int], units) -> dict[int, list[ReviewStageRecord]]:
    stages: dict[int, list[ReviewStageRecord]] = defaultdict(list)
    for row in await stage_rows(connection, ids):
        stages[row.review_id].append(stage_record(row))
    return {review_id: stages[review_id] for review_id in ids}


async def problems_by_review(connection: AsyncConnection, tenant_code: str, ids: list[int], units) -> dict[int, list[ReviewFinding]]:
    problems: dict[int, list[ReviewFinding]] = defaultdict(list)
    for row in await problem_rows(connection, ids):
        problems[row.review_id].append(review_finding(row))
    return {review_id: problems[review_id] for review_id in ids}


@strawberry.type(name="LeaderReview", description="一次领导干部审核（三责联审）；报告打印版见 GET /reviews/{机构代码}/{id}/report")
class Review:
    id: strawberry.ID
    leader_id: strawberry.ID
    round_id: strawberry.ID = strawberry.field(description="所属“三责联审”轮次")
    kind: ReviewKind
    year: int = strawberry.field(description="审核计划年度")
    state: ReviewState
    next_stage: ReviewStageName | None = strawberry.field(description="下一个应记录的阶段；全部记录后为空")
    conclusion: str | None = strawberry.field(description="审核结论")
    grade: ReviewGrade | None = strawberry.field(description="审核结论的等次")
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None
    version: int
    key: strawberry.Private[Key]

    @classmethod
    def from_row(cls, row, tenant_code: str) -> Review:
        """`row`: a review with recorded_stages (service.reviews_query)."""
        return cls(
            id=strawberry.ID(str(row.id)),
            leader_id=strawberry.ID(str(row.leader_id)),
            round_id=strawberry.ID(str(row.round_id)),
            kind=ReviewKind(row.kind),
            year=row.year,
            state=ReviewState(row.state),
            next_stage=STAGES[row.recorded_stages] if row.recorded_stages < len(STAGES) else None,
            conclusion=row.conclusion,
            grade=ReviewGrade(row.grade) if row.grade else None,
            opened_by=row.opened_by,
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            version=row.version,
            key=Key(tenant_code, row.id),
        )

    @strawberry.field(description="被审核的领导干部", graphql_type=Leader)
    def leader(self, info: Info[Context, None]) -> Awaitable[Leader]:
        return info.context.loaders(leaders_by_id).load(Key(self.key.tenant_code, int(self.leader_id)))

    @strawberry.field(description="已记录的阶段，按顺序", graphql_type=list[ReviewStageRecord])
    def stages(self, info: Info[Context, None]) -> Awaitable[list[ReviewStageRecord]]:
        return info.context.loaders(stages_by_review).load(self.key)

    @strawberry.field(description="审核发现的问题", graphql_type=list[ReviewFinding])
    def problems(self, info: Info[Context, None]) -> Awaitable[list[ReviewFinding]]:
        return info.context.loaders(problems_by_review).load(self.key)


@strawberry.type(name="ReviewPlanEntry", description="年度审核计划中的一名领导干部：是否必审、审核类型及理由")
class PlanEntry:
    leader: Leader
    required: bool = strawberry.field(description="true 必审；false 可审")
    kind: ReviewKind
    reason: str
    review_id: strawberry.ID | None = strawberry.field(description="本年度已开展的审核")
    review_state: ReviewState | None


@strawberry.input(description="领导干部信息")
class LeaderInput:
    unit_id: strawberry.ID
    name: str
    post: str = strawberry.field(description="职务")
    level: LeaderLevel
    appointed_on: date = strawberry.field(description="任现职时间")

    def checked(self, today: date) -> LeaderData:
        return check_leader(
            unit_id=parse_id(self.unit_id, "unitId"),
            name=self.name,
            post=self.post,
            level=self.level,
            appointed_on=self.appointed_on,
            today=today,
        )


@strawberry.input(name="OpenLeaderReviewInput", description="开展审核")
class OpenReviewInput:
    leader_id: strawberry.ID
    round_id: strawberry.ID = strawberry.field(description="覆盖该领导干部所在单位的“三责联审”轮次")
    year: int = strawberry.field(description="审核计划年度")
    kind: ReviewKind


@strawberry.input(description="审核发现的问题，登记为该单位在本轮次的问题")
class ReviewProblemInput:
    taxonomy_code: str
    description: str = strawberry.field(description="问题描述（进入问题库，请勿写入个人信息）")
    severity: Severity
    found_on: date
    deadline: date | None = None
    evidence_sources: list[EvidenceSource] = strawberry.field(default_factory=list)
    fixed_on_spot: bool = False
    responsible_person: str | None = None
    measures: str | None = None
    close_note: str | None = strawberry.field(default=None, description="当场整改完毕时必填")


def service(info: Info[Context, None]) -> ReviewService:
    return ReviewService(info.context.runtime.engine)


@strawberry.type(description="一个机构某年度三责联审计划的进度")
class ReviewPlanProgress:
    code: str
    name: str
    required: int = strawberry.field(description="必审人数")
    optional: int = strawberry.field(description="可审人数")
    opened: int = strawberry.field(description="已开展审核的人数")
    closed: int = strawberry.field(description="已完成审核的人数")


@strawberry.type
class ReviewQuery:
    @query("某机构登记的领导干部（默认只列在任的），按登记先后", read(Reach.SUBTREE))
    async def leaders(
        self,
        info: Info[Context, None],
        tenant_code: str,
        unit_id: strawberry.ID | None = None,
        include_left: bool = False,
        first: int = 50,
        after: str | None = None,
    ) -> Page[Leader]:
        page = await service(info).leaders(
            tenant_code, unit_id=optional_id(unit_id, "unitId"), include_left=include_left, first=page_size(info, first), after=after
        )
        return Page(items=[Leader.from_row(row, tenant_code) for row in page.rows], page_info=PageInfo.of(page))

    @query(
        "某年度的三责联审计划：该年度在任的领导干部，必审的在前，附审核类型和理由（以当年 12 月 31 日为准）",
        read(Reach.SUBTREE),
    )
    async def review_plan(self, info: Info[Context, None], tenant_code: str, year: int, required_only: bool = False) -> list[PlanEntry]:
        items = await service(info).plan(tenant_code, check_year(year, info.context.clock.today()), required_only=required_only)
        return [
            PlanEntry(
                leader=Leader.from_row(item.leader, tenant_code),
                required=item.selection.required,
                kind=item.selection.kind,
                reason=item.selection.reason,
                review_id=None if item.review_id is None else strawberry.ID(str(item.review_id)),
                review_state=item.review_state,
            )
            for item in items
        ]

    @query(
        "某年度三责联审计划的进度：本机构及各直属下级机构的必审、可审人数和已开展、已完成的审核数（本机构在前）",
        read(Reach.SUBTREE),
    )
    async def review_plan_progress(self, info: Info[Context, None], tenant_code: str, year: int) -> list[ReviewPlanProgress]:
        found = await service(info).progress(tenant_code, check_year(year, info.context.clock.today()))
        return [ReviewPlanProgress(**vars(office)) for office in found]

    @query("某机构的领导干部审核，新的在前", read(Reach.SUBTREE))
    async def leader_reviews(
        self,
        info: Info[Context, None],
        tenant_code: str,
        year: int | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page[Review]:
        page = await service(info).reviews(tenant_code, year=year, first=page_size(info, first), after=after)
        return Page(items=[Review.from_row(row, tenant_code) for row in page.rows], page_info=PageInfo.of(page))

    @query("一次领导干部审核", read(Reach.SUBTREE))
    async def leader_review(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID) -> Review:
        return Review.from_row(await service(info).review(tenant_code, parse_id(id, "id")), tenant_code)


@strawberry.type
class ReviewMutation:
    @mutation("登记领导干部", write(workflow.REVIEW_WRITERS))
    async def add_leader(self, info: Info[Context, None], tenant_code: str, input: LeaderInput) -> Leader:
        principal = await info.context.principal()
        row = await service(info).add_leader(principal, tenant_code, input.checked(info.context.clock.today()), info.context.request_id)
        return Leader.from_row(row, tenant_code)

    @mutation("更正领导干部信息；version 须为读到的版本", write(workflow.REVIEW_WRITERS))
    async def update_leader(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, input: LeaderInput
    ) -> Leader:
        row = await service(info).update_leader(
            await info.context.principal(),
            tenant_code,
            parse_id(id, "id"),
            version,
            input.checked(info.context.clock.today()),
            info.context.request_id,
        )
        return Leader.from_row(row, tenant_code)

    @mutation("记录领导干部离任（时间与原因）；该年度的计划随之列为必审的离任审核", write(workflow.REVIEW_WRITERS))
    async def record_leader_leaving(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        left_on: date,
        reason: LeavingReason,
    ) -> Leader:
        row = await service(info).record_leaving(
            await info.context.principal(),
            tenant_code,
            parse_id(id, "id"),
            version,
            left_on,
            reason,
            info.context.clock.today(),
            info.context.request_id,
        )
        return Leader.from_row(row, tenant_code)

    @mutation("记录对新任领导干部的纪律谈话（每次任职一次）；version 须为读到的版本", write(workflow.REVIEW_WRITERS))
    async def record_discipline_talk(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, input: DisciplineTalkInput
    ) -> Leader:
        row = await service(info).record_talk(
            await info.context.principal(),
            tenant_code,
            parse_id(id, "id"),
            version,
            DisciplineTalkData.checked(input.held_on, input.conducted_by, input.notes),
            info.context.clock.today(),
            info.context.request_id,
        )
        return Leader.from_row(row, tenant_code)

    @mutation("开展一次领导干部审核，在覆盖其单位的“三责联审”轮次中；每人每年度一次", write(workflow.REVIEW_WRITERS))
    async def open_leader_review(self, info: Info[Context, None], tenant_code: str, input: OpenReviewInput) -> Review:
        row = await service(info).open_review(
            await info.context.principal(),
            tenant_code,
            leader_id=parse_id(input.leader_id, "leaderId"),
            round_id=parse_id(input.round_id, "roundId"),
            year=input.year,
            kind=input.kind,
            today=info.context.clock.today(),
            request_id=info.context.request_id,
        )
        return Review.from_row(row, tenant_code)

    @mutation(
        f"记录审核的下一个阶段（按顺序、每阶段一次）；notes 不超过 {MAX_NOTE} 字；version 须为读到的版本",
        write(workflow.RECORD_STAGE.roles),
    )
    async def record_review_stage(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        stage: ReviewStageName,
        held_on: date,
        notes: str | None = None,
    ) -> Review:
        row = await service(info).record_stage(
            await info.context.principal(),
            tenant_code,
            parse_id(id, "id"),
            version,
            stage=stage,
            held_on=held_on,
            notes=notes,
            today=info.context.clock.today(),
            request_id=info.context.request_id,
        )
        return Review.from_row(row, tenant_code)

    @mutation("登记审核发现的问题：成为该单位在本轮次的问题，进入整改台账和问题库", write(workflow.RECORD_PROBLEM.roles))
    async def record_review_problem(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, input: ReviewProblemInput
    ) -> Finding:
        principal = await info.context.principal()
        data = check_finding(
            round_id=0,
            unit_id=0,
            taxonomy_code=input.taxonomy_code,
            description=input.description,  # the review's round and unit
            evidence_sources=input.evidence_sources,
            severity=input.severity,
            fixed_on_spot=input.fixed_on_spot,
            found_on=input.found_on,
            deadline=input.deadline,
            responsible_person=input.responsible_person,
            measures=input.measures,
            close_note=input.close_note,
            today=info.context.clock.today(),
            taxonomy=await info.context.runtime.taxonomy(knowing=input.taxonomy_code),
            tenant_code=tenant_code,
        )
        finding_id = await service(info).record_problem(principal, tenant_code, parse_id(id, "id"), data, info.context.request_id)
        return await read_finding(info, principal, tenant_code, finding_id)

    @mutation(
        "结束审核（各阶段均已记录），写明审核结论并评定等次（好、较好、一般、差）；version 须为读到的版本", write(workflow.CLOSE.roles)
    )
    async def close_leader_review(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, conclusion: str, grade: ReviewGrade
    ) -> Review:
        row = await service(info).close_review(
            await info.context.principal(),
            tenant_code,
            parse_id(id, "id"),
            version,
            conclusion,
            grade,
            info.context.request_id,
            now=info.context.clock.now(),
        )
        return Review.from_row(row, tenant_code)
