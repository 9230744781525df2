"""The deadline engine's part for periodic reports (backend/supervision/engine.py runs it each
working morning): an office that has not submitted its report of the last period whose due date
has passed is reminded once — its admins, and its parent's, who wait for it (督办). An office
owes reports only for periods that ended after it was opened; its province's calendar says
which periods there are and when each is due."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, cast, exists, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import Date

from backend.notifications.outbox import emit_many
from backend.reporting.calendar import Period, ReportCalendar, calendars
from backend.reporting.models import ReportUp
from backend.reporting.service import UNSENT
from backend.supervision.models import ReportUpReminder
from tenants.models import Tenant, TenantStatus


async def remind_late_reports(connection: AsyncConnection, today: date) -> int:
    """Each calendar's last due period, for the provinces keeping it."""
    own = await calendars(connection)
    groups: dict[ReportCalendar, list[str]] = {}
    for province, calendar in own.items():
        groups.setdefault(calendar, []).append(province)
    reminded = await _remind(connection, ReportCalendar().last_due(today), Tenant.province_code.not_in(sorted(own)))
    for calendar, provinces in groups.items():
        reminded += await _remind(connection, calendar.last_due(today), Tenant.province_code.in_(provinces))
    return reminded


async def _remind(connection: AsyncConnection, period: Period, provinces: ColumnElement[bool]) -> int:
    submitted = exists().where(ReportUp.tenant_code == Tenant.code, ReportUp.period == period.key, ReportUp.state.not_in(sorted(UNSENT)))
    late = select(Tenant.code, literal(period.key)).where(
        provinces,
        Tenant.parent_code.is_not(None),
        Tenant.status == TenantStatus.ACTIVE.value,
        cast(Tenant.created_at, Date) <= period.last_day,
        ~submitted,
    )
    reminded = (
        (
            await connection.execute(
                insert(ReportUpReminder)
                .from_select(["tenant_code", "period"], late)
                .on_conflict_do_nothing()
                .returning(ReportUpReminder.tenant_code)
            )
        )
        .scalars()
        .all()
    )
    offices = (await connection.execute(select(Tenant.code, Tenant.name, Tenant.parent_code).where(Tenant.code.in_(reminded)))).all()
    await emit_many(
        connection,
        [
            (
                office.code,
                "report_up.overdue",
                {
                    "tenant_codes": [office.code, office.parent_code],
                    "office_name": office.name,
                    "period_label": period.label,
                    "due_on": period.due_on.isoformat(),
                },
            )
            for office in offices
        ],
    )
    return len(offices)
