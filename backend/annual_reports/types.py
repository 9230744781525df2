"""GraphQL for the annual 机构编制报告: the office opens the year's collection, units fill in and
submit their reports, the office reviews them, reads the analysis, and reports onward."""

from __future__ import annotations

from datetime import date, datetime

import orjson
import strawberry
from strawberry.types import Info

from backend.annual_reports import workflow
from backend.annual_reports.content import ReportContent, observations
from backend.annual_reports.models import AnnualReportState
from backend.annual_reports.service import AnnualReports, Collection, UnitReport, totals
from backend.context import Context
from backend.enums import graphql_enum
from backend.ids import parse_id
from backend.permissions import Reach, mutation, query, read, write

graphql_enum(AnnualReportState, "年度机构编制报告的状态")


@strawberry.type(description="年度机构编制报告的内容")
class AnnualReportContent:
    approved_staffing: int | None = strawberry.field(description="核定编制")
    actual_staff: int | None = strawberry.field(description="实有人数")
    approved_internal_bodies: int | None = strawberry.field(description="核定内设机构数")
    internal_bodies: int | None = strawberry.field(description="实设内设机构数")
    leadership_posts: int | None = strawberry.field(description="核定领导职数")
    actual_leaders: int | None = strawberry.field(description="实配领导")
    three_definitions_on: date | None = strawberry.field(description="现行“三定”规定的印发日期")
    adjustment_needed: bool = strawberry.field(description="单位认为“三定”规定需要调整")
    implementation: str | None = strawberry.field(description="“三定”规定执行情况")
    discipline: str | None = strawberry.field(description="机构编制纪律执行情况")
    problems: str | None = strawberry.field(description="存在的问题")
    plans: str | None = strawberry.field(description="下一步打算")
    attachments: list[str] = strawberry.field(description="盖章的报告文件（sha256）")


@strawberry.input(description="年度机构编制报告的内容（整体替换）")
class AnnualReportInput:
    approved_staffing: int | None = None
    actual_staff: int | None = None
    approved_internal_bodies: int | None = None
    internal_bodies: int | None = None
    leadership_posts: int | None = None
    actual_leaders: int | None = None
    three_definitions_on: date | None = None
    adjustment_needed: bool = False
    implementation: str | None = None
    discipline: str | None = None
    problems: str | None = None
    plans: str | None = None
    attachments: list[str] = strawberry.field(default_factory=list)

    def content(self) -> ReportContent:
        return ReportContent(**{name: getattr(self, name) for name in ReportContent.__dataclass_fields__})


@strawberry.type(description="一个单位的年度机构编制报告")
class AnnualReport:
    id: strawberry.ID
    year: int
    unit_id: strawberry.ID
    unit_name: str
    state: AnnualReportState
    due_on: date
    late: bool = strawberry.field(description="已过报送期限仍未报送")
    content: AnnualReportContent
    observations: list[str] = strawberry.field(description="分析发现：超编、超职数配备领导、超限额设置内设机构、“三定”规定滞后")
    submitted_by: str | None
    submitted_at: datetime | None
    reviewed_by: str | None
    note: str | None = strawberry.field(description="退回理由")
    version: int

    @classmethod
    def of(cls, report: UnitReport) -> AnnualReport:
        row, content = report.row, report.content
        return cls(
            id=strawberry.ID(str(row.id)),
            year=row.year,
            unit_id=strawberry.ID(str(row.unit_id)),
            unit_name=row.unit_name,
            state=AnnualReportState(row.state),
            due_on=row.due_on,
            late=report.late,
            content=AnnualReportContent(**content.stored() | {"three_definitions_on": content.three_definitions_on}),
            observations=[o.text for o in observations(content, row.year)],
            submitted_by=row.submitted_by,
            submitted_at=row.submitted_at,
            reviewed_by=row.reviewed_by,
            note=row.note,
            version=row.version,
        )


@strawberry.type(description="一个机构一个年度的机构编制报告：各单位的报告、报送情况和分析，以及本机构向上级的报告")
class AnnualReportCollection:
    tenant_code: str
    year: int
    due_on: date = strawberry.field(description="各单位报送期限（默认次年 1 月底）")
    onward_due_on: date = strawberry.field(description="本机构向上级报送期限（默认次年 2 月底）")
    units: int
    submitted: int = strawberry.field(description="已报送（含已审核）的单位数")
    accepted: int
    late: int = strawberry.field(description="逾期未报送的单位数")
    figures: str = strawberry.field(description="分析汇总（JSON：各状态单位数、各项数字合计、各类发现涉及的单位数）")
    reports: list[AnnualReport]
    onward_submitted_at: datetime | None = strawberry.field(description="本机构向上级报送的时间；未报送为空")
    onward_narrative: str | None

    @classmethod
    def of(cls, collection: Collection) -> AnnualReportCollection:
        row, reports = collection.row, collection.reports
        return cls(
            tenant_code=row.tenant_code,
            year=row.year,
            due_on=row.due_on,
            onward_due_on=row.onward_due_on,
            units=len(reports),
            submitted=sum(r.row.state in (AnnualReportState.SUBMITTED.value, AnnualReportState.ACCEPTED.value) for r in reports),
            accepted=sum(r.row.state == AnnualReportState.ACCEPTED.value for r in reports),
            late=sum(r.late for r in reports),
            figures=orjson.dumps(row.figures or totals(reports, row.year)).decode(),
            reports=[AnnualReport.of(report) for report in reports],
            onward_submitted_at=row.submitted_at,
            onward_narrative=row.narrative,
        )


@strawberry.type(description="一个直属下级机构的年度机构编制报告报送情况")
class ChildAnnualReport:
    tenant_code: str
    office_name: str
    opened: bool = strawberry.field(description="已部署本年度的报告")
    submitted_at: datetime | None = strawberry.field(description="向本机构报送的时间；未报送为空")
    late: bool
    figures: str | None = strawberry.field(description="报送时冻结的汇总数字（JSON）")


def service(info: Info[Context, None]) -> AnnualReports:
    return AnnualReports(info.context.runtime.engine)


async def _now(info: Info[Context, None], tenant_code: str, year: int) -> AnnualReportCollection:
    collection = await service(info).collection(await info.context.principal(), tenant_code, year, info.context.clock.today())
    return AnnualReportCollection.of(collection)


@strawberry.type
class AnnualReportQuery:
    @query("某年度的机构编制报告：各单位的报送情况、内容和分析；联络员只看到本单位的", read())
    async def annual_reports(self, info: Info[Context, None], tenant_code: str, year: int) -> AnnualReportCollection:
        return await _now(info, tenant_code, year)

    @query("各直属下级机构某年度机构编制报告的报送情况", read(Reach.SUBTREE))
    async def child_annual_reports(self, info: Info[Context, None], tenant_code: str, year: int) -> list[ChildAnnualReport]:
        today = info.context.clock.today()
        return [
            ChildAnnualReport(
                tenant_code=office.code,
                office_name=office.name,
                opened=row is not None,
                submitted_at=row.submitted_at if row else None,
                late=row is not None and row.submitted_at is None and row.onward_due_on < today,
                figures=orjson.dumps(row.figures).decode() if row is not None and row.figures is not None else None,
            )
            for office, row in await service(info).children(await info.context.principal(), tenant_code, year)
        ]


@strawberry.type
class AnnualReportMutation:
    @mutation("部署某年度的机构编制报告：为每个被检查单位生成待填报告（dueOn 缺省为次年 1 月 31 日）", write(workflow.OPENERS))
    async def open_annual_reports(
        self, info: Info[Context, None], tenant_code: str, year: int, due_on: date | None = None
    ) -> AnnualReportCollection:
        await service(info).open(await info.context.principal(), tenant_code, year, due_on, info.context.request_id)
        return await _now(info, tenant_code, year)

    @mutation("填报年度机构编制报告（未报送或已退回时；内容整体替换）；联络员限本单位", write(workflow.WRITERS))
    async def save_annual_report(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, input: AnnualReportInput
    ) -> AnnualReportCollection:
        principal = await info.context.principal()
        report_id = parse_id(id, "id")
        await service(info).save(principal, tenant_code, report_id, version, input.content(), info.context.request_id)
        return await _report_year(info, tenant_code, report_id)

    @mutation("报送年度机构编制报告（须填写完整）；联络员限本单位", write(workflow.SUBMIT.roles))
    async def submit_annual_report(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int
    ) -> AnnualReportCollection:
        principal = await info.context.principal()
        report_id = parse_id(id, "id")
        await service(info).submit(principal, tenant_code, report_id, version, info.context.clock.now(), info.context.request_id)
        return await _report_year(info, tenant_code, report_id)

    @mutation("审核年度机构编制报告：通过，或退回（须写明理由）", write(workflow.REVIEWERS))
    async def review_annual_report(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, accept: bool, note: str | None = None
    ) -> AnnualReportCollection:
        principal = await info.context.principal()
        report_id = parse_id(id, "id")
        await service(info).review(principal, tenant_code, report_id, version, accept, note, info.context.request_id)
        return await _report_year(info, tenant_code, report_id)

    @mutation("本机构向上级报送年度机构编制报告（各单位报告均已审核通过后；汇总数字此时冻结）", write(workflow.ONWARD))
    async def report_annual_onward(self, info: Info[Context, None], tenant_code: str, year: int, narrative: str) -> AnnualReportCollection:
        collection = await service(info).report_onward(
            await info.context.principal(),
            tenant_code,
            year,
            narrative,
            info.context.clock.now(),
            info.context.clock.today(),
            info.context.request_id,
        )
        return AnnualReportCollection.of(collection)


async def _report_year(info: Info[Context, None], tenant_code: str, report_id: int) -> AnnualReportCollection:
    year = await service(info).year_of(tenant_code, report_id)
    return await _now(info, tenant_code, year)
