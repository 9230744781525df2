"""GraphQL for 12310 reports: sending one and reading its state with the query code (no account
needed), and the office's triage, 核查 and answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.audit.reads import SensitiveEntity
from backend.context import Context
from backend.enums import graphql_enum
from backend.ids import parse_id
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import anyone, mutation, query, special
from backend.reports_12310 import intake
from backend.reports_12310.models import ReportState
from backend.reports_12310.service import ReportFilter, Reports12310, ReportView
from backend.reports_12310.workflow import HANDLERS, REFER, REPORTS_12310, STEPS, TRANSFER
from backend.text import clean_text
from backend.workflow import Transition
from tenants.labelled import Labelled
from tenants.naming import check_code

graphql_enum(ReportState, "12310 举报的办理状态", name="Report12310State")
ReportAction = graphql_enum(REPORTS_12310.actions("Report12310Action", STEPS), "对 12310 举报的办理：受理、不予受理、核查、办结")

READERS = special("本地区编办及上级机构的成员（联络员除外）；协作机关的成员限本机关经办的举报")
ACTORS = special("经办机关的管理员、监督检查人员、审核人员（办结限管理员、审核人员）", writes=True, roles=HANDLERS)


@strawberry.input(description="12310 举报：被举报单位和举报内容必填；姓名和联系方式可不填（匿名举报）。文字按原样保存")
class Report12310Input:
    reported_unit: str = strawberry.field(description="被举报单位（100 字以内）")
    content: str = strawberry.field(description="举报内容（5000 字以内）：违反机构编制管理规定的具体情况")
    reporter_name: str | None = strawberry.field(default=None, description="举报人姓名（50 字以内，可不填）")
    reporter_contact: str | None = strawberry.field(default=None, description="联系电话或地址（100 字以内，可不填）")


@strawberry.type(description="举报已收到")
class Report12310Receipt:
    query_code: str = strawberry.field(description="查询码：凭此码查询办理状态和答复意见；只显示这一次，遗失不能补发")


@strawberry.type(description="举报人凭查询码看到的：办理状态和答复意见（不予受理时为理由）")
class Report12310Status:
    state: ReportState
    answer: str | None


@strawberry.input(description="筛选 12310 举报")
class Report12310Filter:
    states: list[ReportState] | None = None
    overdue: bool | None = strawberry.field(default=None, description="超过受理或办结时限仍未办结的")


@strawberry.type(description="12310 举报；举报人姓名和联系方式只有经办机关的办理人员看得到，其他人看到的为空")
class Report12310:
    id: strawberry.ID
    reported_unit: str = strawberry.field(description="被举报单位，按原样")
    content: str = strawberry.field(description="举报内容，按原样（纯文本，不得作为 HTML 显示）")
    reporter_name: str | None
    reporter_contact: str | None
    handling_organ_id: strawberry.ID
    handling_organ_name: str = strawberry.field(description="经办机关")
    state: ReportState
    version: int
    due_on: date = strawberry.field(description="当前时限：待受理时为提出受理意见的期限，受理后为办结期限")
    overdue: bool
    verification: str | None = strawberry.field(description="核查结论")
    answer: str | None = strawberry.field(description="答复意见（不予受理时为理由），举报人凭查询码可见")
    transferred_to: str | None = strawberry.field(description="转办至的地区代码")
    transferred_from: str | None = strawberry.field(description="由哪个地区转来")
    received_at: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, view: ReportView) -> Report12310:
        row = view.row
        return cls(
            id=strawberry.ID(str(row.id)),
            reported_unit=row.reported_unit,
            content=row.content,
            reporter_name=row.reporter_name if view.contacts else None,
            reporter_contact=row.reporter_contact if view.contacts else None,
            handling_organ_id=strawberry.ID(str(row.handling_organ_id)),
            handling_organ_name=view.organ_name,
            state=ReportState(row.state),
            version=row.version,
            due_on=row.due_on,
            overdue=view.overdue,
            verification=row.verification,
            answer=row.public_answer,
            transferred_to=row.transferred_to,
            transferred_from=row.transferred_from,
            received_at=row.received_at,
            closed_at=row.closed_at,
        )


def service(info: Info[Context, None]) -> Reports12310:
    return Reports12310(info.context.runtime.engine, info.context.runtime.settings)


def _shown(info: Info[Context, None], tenant_code: str, views: list[ReportView]) -> list[Report12310]:
    """The reports as the reader sees them; a reporter's details shown are a sensitive read."""
    if shown := [view.row.id for view in views if view.contacts and (view.row.reporter_name or view.row.reporter_contact)]:
        info.context.read(tenant_code, SensitiveEntity.REPORTER, *shown)
    return [Report12310.of(view) for view in views]


async def _moved(
    info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, transition: Transition, note: str | None, **target
) -> Report12310:
    context = info.context
    view = await service(info).move(
        await context.principal(),
        check_code(tenant_code, field="tenantCode"),
        parse_id(id, "id"),
        version,
        transition,
        note,
        context.request_id,
        now=context.clock.now(),
        today=context.clock.today(),
        **target,
    )
    return _shown(info, tenant_code, [view])[0]


@strawberry.type
class Report12310Query:
    @query("举报人凭查询码查询办理状态和答复意见（无需登录；按来源地址限制频率）", anyone())
    async def report12310_status(self, info: Info[Context, None], code: str) -> Report12310Status:
        row = await intake.status(info.context, code)
        return Report12310Status(state=ReportState(row.state), answer=row.public_answer)

    @query("本地区的 12310 举报，新的在前", READERS)
    async def reports12310(
        self,
        info: Info[Context, None],
        tenant_code: str,
        filter: Report12310Filter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page[Report12310]:
        chosen = filter or Report12310Filter()
        found = await service(info).page(
            await info.context.principal(),
            check_code(tenant_code, field="tenantCode"),
            ReportFilter(frozenset(chosen.states) if chosen.states else None, chosen.overdue),
            info.context.clock.today(),
            first=page_size(info, first),
            after=after,
        )
        return Page(items=_shown(info, tenant_code, found.rows), page_info=PageInfo.of(found))

    @query("一件 12310 举报", READERS)
    async def report12310(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID) -> Report12310:
        view = await service(info).one(
            await info.context.principal(), check_code(tenant_code, field="tenantCode"), parse_id(id, "id"), info.context.clock.today()
        )
        return _shown(info, tenant_code, [view])[0]


@strawberry.type
class Report12310Mutation:
    @mutation("提交 12310 举报（无需登录；按来源地址限制频率）：返回查询码", anyone())
    async def submit_report12310(self, info: Info[Context, None], tenant_code: str, input: Report12310Input) -> Report12310Receipt:
        fields = {
            "reportedUnit": input.reported_unit,
            "content": input.content,
            "reporterName": input.reporter_name,
            "reporterContact": input.reporter_contact,
        }
        code = await intake.receive(info.context, tenant_code, fields)
        return Report12310Receipt(query_code=str(code))

    @mutation("办理 12310 举报：受理、不予受理（写明理由，举报人可见）、核查（写明核查结论）、办结（写明答复意见，举报人可见）", ACTORS)
    async def move_report12310(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        action: Annotated[Labelled, strawberry.argument(graphql_type=ReportAction)],
        note: str | None = None,
    ) -> Report12310:
        return await _moved(info, tenant_code, id, version, REPORTS_12310.transition(action.name.lower()), _note(note))

    @mutation("转办给本地区的其他机关（如纪委监委）：由该机关办理，编办仍可查看办理状态", ACTORS)
    async def refer_report12310(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, organ_id: strawberry.ID, note: str | None = None
    ) -> Report12310:
        return await _moved(info, tenant_code, id, version, REFER, _note(note), organ_id=parse_id(organ_id, "organId"))

    @mutation("转办给上级或下级地区的机构编制部门：举报移至该地区，查询码不变", ACTORS)
    async def transfer_report12310(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, region_code: str, note: str | None = None
    ) -> Report12310:
        return await _moved(info, tenant_code, id, version, TRANSFER, _note(note), region_code=check_code(region_code, field="regionCode"))


def _note(note: str | None) -> str | None:
    return clean_text(note, "note", required=False)
