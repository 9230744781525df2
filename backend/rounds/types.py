"""GraphQL for inspection rounds and unit self-checks (自查)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.directory.types import page_size
from backend.ids import optional_id, parse_id
from backend.rounds.models import DUTIES, METHODS, ROUND_KINDS
from backend.rounds.service import RoundService, RoundView, check_round
from tenants.naming import check_code


@strawberry.type
class TeamMember:
    name: str
    duty: str


@strawberry.input(description=f"职责：{'、'.join(DUTIES)}")
class TeamMemberInput:
    name: str
    duty: str


@strawberry.type(description="一轮巡视巡察或专项检查")
class Round:
    id: strawberry.ID
    kind: str
    name: str
    starts_on: date
    ends_on: date | None
    methods: list[str]
    unit_ids: list[strawberry.ID]
    team: list[TeamMember]
    version: int

    @classmethod
    def from_view(cls, view: RoundView) -> Round:
        row = view.row
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            name=row.name,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            methods=list(row.methods),
            unit_ids=[strawberry.ID(str(u)) for u in view.unit_ids],
            team=[TeamMember(name=n, duty=d) for n, d in view.team],
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


@strawberry.input(description=f"检查类型：{'、'.join(ROUND_KINDS)}；检查方式：{'、'.join(METHODS)}")
class RoundInput:
    kind: str
    name: str
    starts_on: date
    ends_on: date | None = None
    methods: list[str] = strawberry.field(default_factory=list)
    unit_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    team: list[TeamMemberInput] = strawberry.field(default_factory=list)


def rounds(info: Info[Context, None]) -> RoundService:
    return RoundService(info.context.runtime.engine)


@strawberry.type
class RoundQuery:
    @strawberry.field(description="某租户的检查轮次，新的在前；联络员只看到覆盖本单位的轮次")
    async def rounds(self, info: Info[Context, None], tenant_code: str, first: int = 50, after: strawberry.ID | None = None) -> list[Round]:
        principal = await info.context.principal()
        views = await rounds(info).list(
            principal,
            check_code(tenant_code, field="tenantCode"),
            first=page_size(info, first),
            after=optional_id(after, "after"),
        )
        return [Round.from_view(view) for view in views]

    @strawberry.field(description="一个检查轮次")
    async def round(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID) -> Round:
        principal = await info.context.principal()
        return Round.from_view(await rounds(info).get(principal, check_code(tenant_code, field="tenantCode"), parse_id(id, "id")))

    @strawberry.field(description="某轮次各单位的自查报告")
    async def self_checks(self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID) -> list[SelfCheck]:
        principal = await info.context.principal()
        rows = await rounds(info).self_checks(principal, check_code(tenant_code, field="tenantCode"), parse_id(round_id, "roundId"))
        return [SelfCheck.from_row(row) for row in rows]


@strawberry.type
class RoundMutation:
    @strawberry.mutation(description="新建检查轮次（管理员、检查员）")
    async def create_round(self, info: Info[Context, None], tenant_code: str, input: RoundInput) -> Round:
        principal = await info.context.writer()
        data = check_round(
            kind=input.kind,
            name=input.name,
            starts_on=input.starts_on,
            ends_on=input.ends_on,
            methods=input.methods,
            unit_ids=[parse_id(u, "unitIds") for u in input.unit_ids],
            team=[(m.name, m.duty) for m in input.team],
        )
        view = await rounds(info).create(principal, check_code(tenant_code, field="tenantCode"), data, info.context.request_id)
        return Round.from_view(view)

    @strawberry.mutation(description="提交（或更新）本单位在某轮次的自查报告（联络员，或本单位管理员、检查员）")
    async def submit_self_check(
        self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID, unit_id: strawberry.ID, content: str
    ) -> SelfCheck:
        principal = await info.context.writer()
        row = await rounds(info).submit_self_check(
            principal,
            check_code(tenant_code, field="tenantCode"),
            parse_id(round_id, "roundId"),
            parse_id(unit_id, "unitId"),
            content,
            info.context.request_id,
        )
        return SelfCheck.from_row(row)
