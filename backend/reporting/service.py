"""Periodic rectification reports up the hierarchy (整改情况定期报告, issue 23): every period a
county reports its rectification figures and a narrative to its city, a city to its province.
The office's admins and inspectors write it; its admin signs it off, which freezes the problem
bank's figures of its whole subtree at that moment (later changes do not rewrite what was
reported); the parent's admins or reviewers confirm it or return it with a reason. The parent
sees which of its children have reported, and which are late. Periods and deadlines follow the
province's calendar (backend/reporting/calendar.py: quarterly, due ten days after, by default)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.reporting.calendar import Period, calendar_of
from backend.reporting.models import ReportUp
from backend.reporting.workflow import ACKNOWLEDGE, DRAFT, EDIT, REPORTS_UP, RETURN, RETURNED, SUBMIT
from backend.text import clean_text
from backend.workflow import Move, Transition
from problem_bank.search import ProblemFilter
from problem_bank.statistics import Breakdown, sum_of, tallies
from tenants.access import Place, Principal, forbidden, not_found, reads_subtree
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.registry import readable_place
from tenants.scoping import reading

UNSENT = frozenset({DRAFT, RETURNED})  # a report in these states is not (or no longer) with the parent
DECISIONS = {True: ACKNOWLEDGE, False: RETURN}  # accept: confirmed; else returned


async def resolve_period(engine: AsyncEngine, principal: Principal, tenant_code: str, key: str) -> Period:
    """The period `key` names in the calendar of the office's province (INVALID_PERIOD otherwise)."""
    place = await readable_place(engine, principal, tenant_code)
    async with reading(engine).connect() as connection:
        return (await calendar_of(connection, place.province_code)).period(key)


@dataclass(frozen=True)
class ChildReport:
    """A direct child office and its report of the period (None: not started)."""

    code: str
    name: str
    report: Row | None
    late: bool


class ReportsUp:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def write(self, principal: Principal, tenant_code: str, period: Period, narrative: str, request_id: str | None) -> None:
        """The office's report of the period, begun or rewritten (a draft, or one returned)."""
        place = await readable_place(self.engine, principal, tenant_code)
        if place.parent_code is None:
            raise DomainError("NO_PARENT", "省级机构没有上级机构，无需向上报告", field="tenantCode")
        narrative = clean_text(narrative, "narrative", required=True)
        async with self.engine.begin() as connection:
            found = await _report(connection, tenant_code, period.key, lock=True)
            if found is None:
                report_id = (
                    await connection.execute(
                        insert(ReportUp)
                        .values(
                            tenant_code=tenant_code,
                            parent_code=place.parent_code,
                            period=period.key,
                            due_on=period.due_on,
                            state=DRAFT,
                            narrative=narrative,
                            prepared_by=principal.username,
                        )
                        .returning(ReportUp.id)
                    )
                ).scalar_one()
                await record_audit(
                    connection,
                    tenant_code,
                    actor=principal.username,
                    action="report_up.create",
                    entity="report_up",
                    entity_id=str(report_id),
                    after={"state": DRAFT, "version": 1, "period": period.key},
                    request_id=request_id,
                )
                return
            move = await _move(connection, found.id, EDIT, tenant_code, None, principal, None, request_id)
            await move.apply({"narrative": narrative, "prepared_by": principal.username})

    async def submit(
        self, principal: Principal, tenant_code: str, period: Period, version: int, now: datetime, request_id: str | None
    ) -> None:
        """签发报送 (the office's admin: declared on the operation): the figures are frozen now."""
        place = await readable_place(self.engine, principal, tenant_code)
        async with self.engine.begin() as connection:
            found = await _report(connection, tenant_code, period.key, lock=False)
            if found is None:
                raise not_found()
            move = await _move(connection, found.id, SUBMIT, tenant_code, version, principal, None, request_id)
            figures = await frozen_figures(connection, place, now.date())
            office = (await connection.execute(select(Tenant.name).where(Tenant.code == tenant_code))).scalar_one()
            await move.apply(
                {"figures": figures, "submitted_by": principal.username, "submitted_at": now},
                after={"figures": figures},
                event_tenant=found.parent_code,
                event_payload={"office_name": office, "period_label": period.label, "tenant_code": tenant_code},
            )

    async def decide(
        self,
        principal: Principal,
        parent_code: str,
        tenant_code: str,
        period: Period,
        version: int,
        transition: Transition,
        reason: str | None,
        request_id: str | None,
    ) -> None:
        """The parent confirms or returns a direct child's report (the parent's roles are
        declared on the operation); audited in the parent's trail. NOT_FOUND unless the child
        reported to it."""
        await readable_place(self.engine, principal, parent_code)
        async with self.engine.begin() as connection:
            found = await _report(connection, tenant_code, period.key, lock=False)
            if found is None or found.parent_code != parent_code:
                raise not_found()
            move = await _move(connection, found.id, transition, found.parent_code, version, principal, reason, request_id)
            await move.apply(
                {"decided_by": principal.username, "note": reason},
                after={"office": tenant_code, "period": period.key},
                event_tenant=tenant_code,
                event_payload={"period_label": period.label, "note": reason} if transition is RETURN else None,
            )

    async def of_period(self, principal: Principal, tenant_code: str, period: Period, today: date) -> tuple[Row | None, list[ChildReport]]:
        """The office's own report and its direct children's (who has reported, who is late)."""
        place = await readable_place(self.engine, principal, tenant_code)
        if not reads_subtree(principal, place):
            raise forbidden("联络员只能查看本单位的信息")
        async with reading(self.engine).connect() as connection:
            own = await _report(connection, tenant_code, period.key, lock=False)
            children = (
                await connection.execute(select(Tenant.code, Tenant.name).where(Tenant.parent_code == tenant_code).order_by(Tenant.code))
            ).all()
            reports = {
                row.tenant_code: row
                for row in await connection.execute(
                    select(ReportUp).where(ReportUp.parent_code == tenant_code, ReportUp.period == period.key)
                )
            }
        return own, [
            ChildReport(
                child.code,
                child.name,
                reports.get(child.code),
                today > period.due_on and (child.code not in reports or reports[child.code].state in UNSENT),
            )
            for child in children
        ]


async def frozen_figures(connection: AsyncConnection, place: Place, today: date) -> dict[str, Any]:
    """The bank's figures of the office's subtree now, by category and in all."""
    by_category = await tallies(connection, place, ProblemFilter(), Breakdown.CATEGORY, today)
    everything = sum_of(by_category)
    return {
        "as_of": today.isoformat(),
        "total": everything.total,
        "closed": everything.closed,
        "awaiting_close_out": everything.awaiting_close_out,
        "overdue": everything.overdue,
        "completion_rate": everything.completion_rate,
        "by_category": [
            {"code": t.key, "total": t.total, "closed": t.closed, "awaiting_close_out": t.awaiting_close_out, "overdue": t.overdue}
            for t in by_category
        ],
    }


async def _report(connection: AsyncConnection, tenant_code: str, period: str, *, lock: bool) -> Row | None:
    query = select(ReportUp).where(ReportUp.tenant_code == tenant_code, ReportUp.period == period)
    return (await connection.execute(query.with_for_update() if lock else query)).one_or_none()


async def _move(
    connection: AsyncConnection,
    report_id: int,
    transition: Transition,
    office: str,
    version: int | None,
    principal: Principal,
    note: str | None,
    request_id: str | None,
) -> Move:
    """The report locked for `transition`, audited in `office`'s trail (the parent's for its decisions)."""
    return await REPORTS_UP.lock(
        transition,
        connection,
        select(ReportUp).where(ReportUp.id == report_id).with_for_update(),
        tenant_code=office,
        expected_version=version,
        actor=principal.username,
        note=note,
        request_id=request_id,
    )
