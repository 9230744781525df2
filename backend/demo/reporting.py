"""双峰县 reporting up: its rectification report of the last quarter signed off and confirmed by
娄底市 (this quarter's is due and not yet written), and this year's annual 机构编制报告 opened,
half of its units' reports in and accepted."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, select

from backend.annual_reports.content import ReportContent
from backend.annual_reports.models import AnnualReport
from backend.annual_reports.service import AnnualReports
from backend.demo.inspections import acting, office_place
from backend.reporting.calendar import ReportCalendar
from backend.reporting.models import ReportUp
from backend.reporting.service import ReportsUp
from backend.reporting.workflow import ACKNOWLEDGE
from backend.runtime import Runtime
from tenants.access import Role
from tenants.scoping import reading, tenant_engine

COUNTY, CITY = "431321", "431300"
NARRATIVE = "本季度反馈问题整改有序推进：已销号问题均经验收，逾期问题已督办，长期整改事项按方案分阶段推进。"
REPORT = ReportContent(
    approved_staffing=28,
    actual_staff=27,
    approved_internal_bodies=6,
    internal_bodies=6,
    leadership_posts=4,
    actual_leaders=4,
    adjustment_needed=False,
    implementation="严格按照“三定”规定履行职责，内设机构和领导职数未超核定。",
    discipline="全年未发生违反机构编制纪律的情形。",
    plans="做好实名制信息动态更新。",
)


async def load_reporting(runtime: Runtime) -> None:
    """Once each: a restarted demo finds the report and the collection and adds nothing."""
    today, now = runtime.clock.today(), runtime.clock.now()
    county, city = await office_place(runtime.engine, COUNTY), await office_place(runtime.engine, CITY)
    admin, city_admin = acting(county, Role.ADMIN, Role.INSPECTOR), acting(city, Role.ADMIN)
    calendar = ReportCalendar()
    last = calendar.containing(calendar.containing(today).first_day - timedelta(days=1))
    async with reading(runtime.engine).connect() as connection:
        reported = (await connection.execute(select(exists().where(ReportUp.tenant_code == COUNTY, ReportUp.period == last.key)))).scalar()
    if not reported:
        reports = ReportsUp(runtime.engine)
        await reports.write(admin, COUNTY, last, NARRATIVE, None)
        await reports.submit(admin, COUNTY, last, 1, now, None)
        await reports.decide(city_admin, CITY, COUNTY, last, 2, ACKNOWLEDGE, None, None)
    async with tenant_engine(runtime.engine, COUNTY).connect() as connection:
        opened = (await connection.execute(select(exists().where(AnnualReport.year == today.year)))).scalar()
    if opened:
        return
    annual = AnnualReports(runtime.engine)
    await annual.open(admin, COUNTY, today.year, None, None)
    reviewer = acting(county, Role.REVIEWER)
    collection = await annual.collection(admin, COUNTY, today.year, today)
    for report in collection.reports[: len(collection.reports) // 2]:
        await annual.save(admin, COUNTY, report.row.id, 1, REPORT, None)
        await annual.submit(admin, COUNTY, report.row.id, 2, now, None)
        await annual.review(reviewer, COUNTY, report.row.id, 3, True, None, None)
