"""The annual 机构编制报告 (issue 23 item 3). An office opens the year's collection: every unit gets
its report to fill in (due by default at the end of January of the next year), and the office's
own report onward is due at the end of February. Each unit's liaison (or the office for it) fills
in and submits its report; a reviewer accepts it or returns it. The office sees who has reported
and reads the analysis across its units (backend/annual_reports/content.py); its admin then
submits its report onward, which freezes the figures; the parent sees which children have
reported. Problems the analysis shows are logged as daily supervision (source 机构编制报告分析)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, literal, select, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.annual_reports.content import NUMBERS, ReportContent, check_content, observations
from backend.annual_reports.models import AnnualCollection, AnnualReport, AnnualReportState
from backend.annual_reports.workflow import ACCEPT, ANNUAL_REPORTS, RETURN, SAVE, SUBMIT
from backend.audit.service import record_audit
from backend.evidence.attachments import require_uploaded
from backend.supervision.calendar import check_year
from backend.text import clean_text
from backend.units.models import InspectedUnit
from tenants.access import Principal, forbidden, reads_subtree, visible_units
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.registry import readable_place
from tenants.scoping import reading, tenant_engine, tenant_reader

UNSENT = frozenset({AnnualReportState.PENDING.value, AnnualReportState.RETURNED.value})


def default_due(year: int) -> tuple[date, date]:
    """Units report by the end of January after the year, the office onward by the end of February."""
    return date(year + 1, 1, 31), date(year + 1, 3, 1) - timedelta(days=1)


@dataclass(frozen=True)
class UnitReport:
    row: Row  # annual_report with unit_name
    late: bool

    @property
    def content(self) -> ReportContent:
        return ReportContent.of(self.row.content)


@dataclass(frozen=True)
class Collection:
    row: Row  # annual_collection
    reports: list[UnitReport]


def totals(reports: list[UnitReport], year: int) -> dict[str, Any]:
    """The figures an office reports onward: how many units reported, the sums of their figures,
    and how many units each observation concerns."""
    sums = {name: sum(r.content.stored()[name] or 0 for r in reports if r.row.state != AnnualReportState.PENDING.value) for name in NUMBERS}
    flagged: dict[str, int] = {}
    for report in reports:
        for observation in observations(report.content, year):
            flagged[observation.kind] = flagged.get(observation.kind, 0) + 1
    states = {state.label: sum(r.row.state == state.value for r in reports) for state in AnnualReportState}
    return {"units": len(reports), "states": states, "sums": sums, "flagged": flagged}


class AnnualReports:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def open(self, principal: Principal, tenant_code: str, year: int, due_on: date | None, request_id: str | None) -> int:
        """The year's collection: a report to fill in for every unit without one (units added
        later get theirs when it is opened again); the number of reports added."""
        year = check_year(year)
        units_due, onward_due = default_due(year)
        units_due = due_on or units_due
        if not date(year, 1, 1) < units_due < onward_due + timedelta(days=366):
            raise DomainError("INVALID_DATE", "报送期限须在报告年度之后的合理时间内", field="dueOn")
        place = await readable_place(self.engine, principal, tenant_code)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            await connection.execute(
                upsert(AnnualCollection)
                .values(tenant_code=tenant_code, year=year, parent_code=place.parent_code, due_on=units_due, onward_due_on=onward_due)
                .on_conflict_do_update(index_elements=[AnnualCollection.tenant_code, AnnualCollection.year], set_={"due_on": units_due})
            )
            added = (
                await connection.execute(
                    upsert(AnnualReport)
                    .from_select(
                        ["year", "unit_id", "due_on"],
                        select(literal(year), InspectedUnit.id, literal(units_due)),
                    )
                    .on_conflict_do_nothing()
                    .returning(AnnualReport.id)
                )
            ).all()
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="annual_report.opened",
                entity="annual_collection",
                entity_id=str(year),
                after={"due_on": units_due.isoformat(), "added": len(added)},
                request_id=request_id,
            )
        return len(added)

    async def collection(self, principal: Principal, tenant_code: str, year: int, today: date) -> Collection:
        """The year's collection and its reports (a liaison: its unit's only)."""
        units = visible_units(principal, await readable_place(self.engine, principal, tenant_code))
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            row = (
                await connection.execute(
                    select(AnnualCollection).where(AnnualCollection.tenant_code == tenant_code, AnnualCollection.year == check_year(year))
                )
            ).one_or_none()
            if row is None:
                raise DomainError("NOT_FOUND", f"{year} 年度的机构编制报告尚未部署", field="year")
            query = (
                select(AnnualReport, InspectedUnit.name.label("unit_name"))
                .join(InspectedUnit, InspectedUnit.id == AnnualReport.unit_id)
                .where(AnnualReport.year == year)
                .order_by(AnnualReport.unit_id)
            )
            if units is not None:
                query = query.where(AnnualReport.unit_id.in_(units))
            reports = [UnitReport(r, r.state in UNSENT and r.due_on < today) for r in await connection.execute(query)]
        return Collection(row, reports)

    async def save(
        self, principal: Principal, tenant_code: str, report_id: int, version: int, content: ReportContent, request_id: str | None
    ) -> None:
        """The report's content, replaced whole (while it is the unit's to write)."""
        content = check_content(content)
        await self._move(principal, tenant_code, report_id, version, SAVE, None, request_id, content=content)

    async def submit(
        self, principal: Principal, tenant_code: str, report_id: int, version: int, now: datetime, request_id: str | None
    ) -> None:
        await self._move(principal, tenant_code, report_id, version, SUBMIT, None, request_id, now=now)

    async def review(
        self, principal: Principal, tenant_code: str, report_id: int, version: int, accept: bool, note: str | None, request_id: str | None
    ) -> None:
        transition = ACCEPT if accept else RETURN
        await self._move(principal, tenant_code, report_id, version, transition, clean_text(note, "note", required=False), request_id)

    async def _move(
        self,
        principal: Principal,
        tenant_code: str,
        report_id: int,
        version: int,
        transition: Any,
        note: str | None,
        request_id: str | None,
        *,
        content: ReportContent | None = None,
        now: datetime | None = None,
    ) -> None:
        units = visible_units(principal, await readable_place(self.engine, principal, tenant_code))
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            query = select(AnnualReport).where(AnnualReport.id == report_id).with_for_update()
            if units is not None:
                query = query.where(AnnualReport.unit_id.in_(units))
            move = await ANNUAL_REPORTS.lock(
                transition,
                connection,
                query,
                tenant_code=tenant_code,
                expected_version=version,
                actor=principal.username,
                note=note,
                request_id=request_id,
            )
            values: dict[str, Any] = {}
            if content is not None:
                await require_uploaded(
                    connection, content.attachments, principal.username if units is not None else None, field="attachments"
                )
                values["content"] = content.stored()
            elif transition is SUBMIT:
                if not ReportContent.of(move.row.content).complete:
                    raise DomainError("REPORT_INCOMPLETE", "各项数字和“三定”规定执行情况、机构编制纪律执行情况须填写完整后报送", field="id")
                values = {"submitted_by": principal.username, "submitted_at": now, "note": None}
            elif transition is RETURN:
                values = {"note": note}
            else:
                values = {"reviewed_by": principal.username}
            await move.apply(values)

    async def year_of(self, tenant_code: str, report_id: int) -> int:
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return (await connection.execute(select(AnnualReport.year).where(AnnualReport.id == report_id))).scalar_one()

    async def report_onward(
        self, principal: Principal, tenant_code: str, year: int, narrative: str, now: datetime, today: date, request_id: str | None
    ) -> Collection:
        """The office's report onward (its admin): the figures of its units' reports, frozen now;
        refused while a unit's report is not yet accepted."""
        collection = await self.collection(principal, tenant_code, year, today)
        if collection.row.parent_code is None:
            raise DomainError("NO_PARENT", "省级机构没有上级机构，无需向上报告", field="tenantCode")
        if waiting := [r.row.unit_name for r in collection.reports if r.row.state != AnnualReportState.ACCEPTED.value]:
            raise DomainError("REPORTS_PENDING", f"尚有 {len(waiting)} 个单位的年度报告未审核通过：{'、'.join(waiting[:5])}", field="year")
        figures = totals(collection.reports, year)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            await connection.execute(
                update(AnnualCollection)
                .where(AnnualCollection.tenant_code == tenant_code, AnnualCollection.year == year)
                .values(
                    figures=figures,
                    narrative=clean_text(narrative, "narrative", required=True),
                    submitted_by=principal.username,
                    submitted_at=now,
                )
            )
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="annual_report.onward",
                entity="annual_collection",
                entity_id=str(year),
                after={"units": figures["units"]},
                request_id=request_id,
            )
        return await self.collection(principal, tenant_code, year, today)

    async def children(self, principal: Principal, tenant_code: str, year: int) -> list[tuple[Row, Row | None]]:
        """The direct children of the office and their reports onward of the year (None: not opened)."""
        place = await readable_place(self.engine, principal, tenant_code)
        if not reads_subtree(principal, place):
            raise forbidden("联络员只能查看本单位的信息")
        async with reading(self.engine).connect() as connection:
            offices = (
                await connection.execute(select(Tenant.code, Tenant.name).where(Tenant.parent_code == tenant_code).order_by(Tenant.code))
            ).all()
            found = {
                row.tenant_code: row
                for row in await connection.execute(
                    select(AnnualCollection).where(AnnualCollection.parent_code == tenant_code, AnnualCollection.year == check_year(year))
                )
            }
        return [(office, found.get(office.code)) for office in offices]
