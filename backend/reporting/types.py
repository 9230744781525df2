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
from backend.reporting.calendar import Cadence, calendar_of, check_calendar, set_calendar
from backend.reporting.models import ReportUpState
from backend.reporting.service import DECISIONS, ChildReport, ReportsUp, resolve_period
from tenants.access import Role
from tenants.divisions import Level
from tenants.registry import readable_place
from tenants.scoping import reading

graphql_enum(ReportUpState, "整改情况定期报告的状态")
graphql_enum(Cadence, "整改情况定期报告的频次")


@strawberry.type(description="本省整改情况定期报告的日历：频次和报送期限（报告期结束后若干天）")
class ReportCalendar:
    cadence: Cadence
    due_days: int
    set_by_province: bool = strawberry.field(description="本省已设定；否则为默认（每季度，期满后 10 天）")
    current_period: str = strawberry.field(description="今天所在的报告期，如 2026Q4")


async def _calendar_now(info: Info[Context, None], tenant_code: str) -> ReportCalendar:
    place = await readable_place(info.context.runtime.engine, await info.context.principal(), tenant_code)
    async with reading(info.context.runtime.engine).connect() as connection:
        calendar = await calendar_of(connection, place.province_code)
    return ReportCalendar(
        cadence=calendar.cadence,
        due_days=calendar.due_days,
        set_by_province=calendar.set_by_province,
        current_period=calendar.containing(info.context.clock.today()).key,
    )


@strawberry.type(description="整改情况定期报告（按季度向上级报送）；数字在签发报送时冻结")
class ReportUp:
    tenant_code: str
    period: str = strawberry.field(description="报告期，如 2026Q4")
    due_on: date = strawberry.field(description="报送期限（按本省的报告日历，缺省为季度结束后 10 天）")
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
    principal = await info.context.principal()
    checked = await resolve_period(info.context.runtime.engine, principal, tenant_code, period)
    own, children = await service(info).of_period(principal, tenant_code, checked, info.context.clock.today())
    return ReportsUpOfPeriod(own=None if own is None else ReportUp.of(own), children=[ChildReportUp.of(child) for child in children])


@strawberry.type
class ReportUpQuery:
    @query("某机构适用的整改情况定期报告日历（所在省设定的，未设定则为每季度、期满后 10 天）", read())
    async def report_calendar(self, info: Info[Context, None], tenant_code: str) -> ReportCalendar:
        return await _calendar_now(info, tenant_code)

    @query("某报告期（如 2026Q4）本机构的整改情况定期报告，及各直属下级机构的报送情况（谁已报送、谁逾期）", read(Reach.SUBTREE))
    async def reports_up(self, info: Info[Context, None], tenant_code: str, period: str) -> ReportsUpOfPeriod:
        return await _now(info, tenant_code, period)


@strawberry.type
class ReportUpMutation:
    @mutation(
        "设定本省整改情况定期报告的日历（省级机构的管理员）：每月、每季度或每半年，报告期结束后若干天内报送",
        write(frozenset({Role.ADMIN}), levels=frozenset({Level.PROVINCE})),
    )
    async def set_report_calendar(self, info: Info[Context, None], tenant_code: str, cadence: Cadence, due_days: int) -> ReportCalendar:
        calendar = check_calendar(cadence, due_days)
        await set_calendar(info.context.runtime.engine, await info.context.principal(), tenant_code, calendar, info.context.request_id)
        return await _calendar_now(info, tenant_code)

    @mutation("起草或修改本机构某报告期的整改情况定期报告（草稿或被退回时）", write(workflow.WRITERS))
    async def write_report_up(self, info: Info[Context, None], tenant_code: str, period: str, narrative: str) -> ReportsUpOfPeriod:
        principal = await info.context.principal()
        checked = await resolve_period(info.context.runtime.engine, principal, tenant_code, period)
        await service(info).write(principal, tenant_code, checked, narrative, info.context.request_id)
        return await _now(info, tenant_code, period)

    @mutation("签发报送（本机构管理员）：冻结本辖区问题库此刻的数字，报送上级机构并通知其管理员和审核人员", write(workflow.SIGNERS))
    async def submit_report_up(self, info: Info[Context, None], tenant_code: str, period: str, version: int) -> ReportsUpOfPeriod:
        principal = await info.context.principal()
        checked = await resolve_period(info.context.runtime.engine, principal, tenant_code, period)
        await service(info).submit(principal, tenant_code, checked, version, info.context.clock.now(), info.context.request_id)
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
        checked = await resolve_period(info.context.runtime.engine, principal, parent_code, period)
        await service(info).decide(
            principal, parent_code, tenant_code, checked, version, DECISIONS[accept], reason, info.context.request_id
        )
        return await _now(info, parent_code, period)
