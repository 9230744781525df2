"""The deadline engine's part for periodic reports (backend/supervision/engine.py runs it each
working morning): an office that has not submitted its report of the last period whose due date
has passed is reminded once — its admins, and its parent's, who wait for it (督办). An office
owes reports only for periods that ended after it was opened."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import cast, exists, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import Date

from backend.notifications.outbox import emit_many
from backend.reporting.models import ReportUp
from backend.reporting.service import UNSENT, Period, check_period
from backend.supervision.models import ReportUpReminder
from tenants.models import Tenant, TenantStatus


def last_due_period(today: date) -> Period:
    """The latest period whose report was due before `today`."""
    period = check_period(f"{today.year}Q{(today.month - 1) // 3 + 1}")
    while period.due_on >= today:
        day_before = period.first_day - timedelta(days=1)
        period = check_period(f"{day_before.year}Q{(day_before.month - 1) // 3 + 1}")
    return period


async def remind_late_reports(connection: AsyncConnection, today: date) -> int:
    period = last_due_period(today)
    submitted = exists().where(ReportUp.tenant_code == Tenant.code, ReportUp.period == period.key, ReportUp.state.not_in(sorted(UNSENT)))
    late = select(Tenant.code, literal(period.key)).where(
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
