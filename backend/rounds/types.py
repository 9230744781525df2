"""GraphQL for inspection rounds and unit self-checks (自查)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.enums import graphql_enum
from backend.ids import parse_id
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import mutation, query, read, write
from backend.rounds.models import InspectionMethod, RoundKind, TeamDuty
from backend.rounds.service import ROUND_WRITERS, SELF_CHECK_WRITERS, RoundService, RoundView, check_round

graphql_enum(RoundKind, "检查轮次的类型")
graphql_enum(InspectionMethod, "检查方式")
graphql_enum(TeamDuty, "检查组成员的职责")


@strawberry.type(description="检查组成员")
class TeamMember:
    name: str
    duty: TeamDuty


@strawberry.input(description="检查组成员")
class TeamMemberInput:
    name: str
    duty: TeamDuty


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
    version: int

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
            team=[TeamMember(name=n, duty=TeamDuty(d)) for n, d in view.team],
            version=row.version,
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


def rounds(info: Info[Context, None]) -> RoundService:
    return RoundService(info.context.runtime.engine)


@strawberry.type
class RoundQuery:
    @query("某租户的检查轮次，新的在前；联络员只看到覆盖本单位的轮次", read())
    async def rounds(self, info: Info[Context, None], tenant_code: str, first: int = 50, after: str | None = None) -> Page[Round]:
        principal = await info.context.principal()
        page = await rounds(info).page(principal, tenant_code, first=page_size(info, first), after=after)
        return Page(items=[Round.from_view(view) for view in page.rows], page_info=PageInfo.of(page))

    @query("一个检查轮次", read())
    async def round(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID) -> Round:
        principal = await info.context.principal()
        return Round.from_view(await rounds(info).get(principal, tenant_code, parse_id(id, "id")))

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
        data = check_round(
            kind=input.kind,
            name=input.name,
            starts_on=input.starts_on,
            ends_on=input.ends_on,
            methods=input.methods,
            unit_ids=[parse_id(u, "unitIds") for u in input.unit_ids],
            team=[(m.name, m.duty) for m in input.team],
        )
        view = await rounds(info).create(principal, tenant_code, data, info.context.request_id)
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
