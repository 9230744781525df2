"""GraphQL for periodic rectification reports up the hierarchy (整改情况定期报告)."""

from __future__ import annotations

from datetime import date, datetime

import orjson
import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.enums import graphql_enum
from backend.permissions import Reach, mutation, query, read, write
from backend.reporting import workflow
from backend.reporting.models import ReportUpState
from backend.reporting.service import DECISIONS, ChildReport, ReportsUp, check_period

graphql_enum(ReportUpState, "整改情况定期报告的状态")


@strawberry.type(description="整改情况定期报告（按季度向上级报送）；数字在签发报送时冻结")
class ReportUp:
    tenant_code: str
    period: str = strawberry.field(description="报告期，如 2026Q4")
    due_on: date = strawberry.field(description="报送期限（季度结束后 10 天）")
    state: ReportUpState
    narrative: str = strawberry.field(description="整改工作情况")
    figures: str | None = strawberry.field(
        description="签发报送时冻结的问题库数字（JSON：总数、已销号、待销号审核、逾期、整改完成率、分类别）"
    )
    prepared_by: str
    submitted_by: str | None = strawberry.field(description="签发人（本机构管理员）")
    submitted_at: datetime | None
    decided_by: str | None
    note: str | None = strawberry.field(description="上级退回的理由")
    version: int

    @classmethod
    def of(cls, row) -> ReportUp:
        return cls(
            tenant_code=row.tenant_code,
            period=row.period,
            due_on=row.due_on,
            state=ReportUpState(row.state),
            narrative=row.narrative,
            figures=None if row.figures is None else orjson.dumps(row.figures).decode(),
            prepared_by=row.prepared_by,
            submitted_by=row.submitted_by,
            submitted_at=row.submitted_at,
            decided_by=row.decided_by,
            note=row.note,
            version=row.version,
        )


@strawberry.type(description="一个直属下级机构本期的报送情况")
class ChildReportUp:
    tenant_code: str
    office_name: str
    report: ReportUp | None = strawberry.field(description="尚未开始为空")
    late: bool = strawberry.field(description="已过报送期限而未报送（或被退回后未重新报送）")

    @classmethod
    def of(cls, child: ChildReport) -> ChildReportUp:
        return cls(
            tenant_code=child.code,
            office_name=child.name,
            report=None if child.report is None else ReportUp.of(child.report),
            late=child.late,
        )


@strawberry.type(description="某报告期：本机构的报告，及各直属下级机构的报送情况")
class ReportsUpOfPeriod:
    own: ReportUp | None
    children: list[ChildReportUp]


def service(info: Info[Context, None]) -> ReportsUp:
    return ReportsUp(info.context.runtime.engine)


async def _now(info: Info[Context, None], tenant_code: str, period: str) -> ReportsUpOfPeriod:
    own, children = await service(info).of_period(
        await info.context.principal(), tenant_code, check_period(period), info.context.clock.today()
    )
    return ReportsUpOfPeriod(own=None if own is None else ReportUp.of(own), children=[ChildReportUp.of(child) for child in children])


@strawberry.type
class ReportUpQuery:
    @query("某报告期（如 2026Q4）本机构的整改情况定期报告，及各直属下级机构的报送情况（谁已报送、谁逾期）", read(Reach.SUBTREE))
    async def reports_up(self, info: Info[Context, None], tenant_code: str, period: str) -> ReportsUpOfPeriod:
        return await _now(info, tenant_code, period)


@strawberry.type
class ReportUpMutation:
    @mutation("起草或修改本机构某报告期的整改情况定期报告（草稿或被退回时）", write(workflow.WRITERS))
    async def write_report_up(self, info: Info[Context, None], tenant_code: str, period: str, narrative: str) -> ReportsUpOfPeriod:
        await service(info).write(await info.context.principal(), tenant_code, check_period(period), narrative, info.context.request_id)
        return await _now(info, tenant_code, period)

    @mutation("签发报送（本机构管理员）：冻结本辖区问题库此刻的数字，报送上级机构并通知其管理员和审核人员", write(workflow.SIGNERS))
    async def submit_report_up(self, info: Info[Context, None], tenant_code: str, period: str, version: int) -> ReportsUpOfPeriod:
        principal = await info.context.principal()
        await service(info).submit(principal, tenant_code, check_period(period), version, info.context.clock.now(), info.context.request_id)
        return await _now(info, tenant_code, period)

    @mutation(
        "上级机构（parentCode）确认（accept: true）或退回（false，须写明理由）直属下级（tenantCode）报送的整改情况定期报告",
        write(workflow.RECEIVERS, tenant="parent_code"),
    )
    async def decide_report_up(
        self,
        info: Info[Context, None],
        parent_code: str,
        tenant_code: str,
        period: str,
        version: int,
        accept: bool,
        reason: str | None = None,
    ) -> ReportsUpOfPeriod:
        principal = await info.context.principal()
        checked = check_period(period)
        await service(info).decide(
            principal, parent_code, tenant_code, checked, version, DECISIONS[accept], reason, info.context.request_id
        )
        return await _now(info, parent_code, period)
