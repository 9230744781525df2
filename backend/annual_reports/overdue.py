"""The deadline engine's part for the annual 机构编制报告 (backend/supervision/engine.py runs it each
working morning): once an office's units' reports are due, each unit that has not submitted is
reminded once, with the office's admins; once the office's own report onward is due and not
submitted, its admins and its parent's are reminded once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.annual_reports.models import AnnualCollection, AnnualReport
from backend.annual_reports.service import UNSENT
from backend.notifications.outbox import emit_many
from backend.units.models import InspectedUnit
from tenants.models import Tenant
from tenants.naming import TENANT_SCHEMA_PLACEHOLDER, schema_for_code

LATE_UNITS = (
    select(AnnualReport.unit_id, InspectedUnit.name)
    .join(InspectedUnit, InspectedUnit.id == AnnualReport.unit_id)
    .where(AnnualReport.state.in_(sorted(UNSENT)))
    .order_by(AnnualReport.unit_id)
)


async def remind_late_annual_reports(connection: AsyncConnection, today: date) -> int:
    """Reminders given (units and offices)."""
    units_due = (
        await connection.execute(
            update(AnnualCollection)
            .where(AnnualCollection.due_on < today, AnnualCollection.units_reminded_at.is_(None))
            .values(units_reminded_at=func.now())
            .returning(AnnualCollection.tenant_code, AnnualCollection.year, AnnualCollection.due_on)
        )
    ).all()
    events = []
    for collection in units_due:  # the few offices whose deadline passed since the last run
        options = {"schema_translate_map": {TENANT_SCHEMA_PLACEHOLDER: schema_for_code(collection.tenant_code)}}
        late = await connection.execute(LATE_UNITS.where(AnnualReport.year == collection.year), execution_options=options)
        events += [
            (
                collection.tenant_code,
                "annual_report.overdue",
                {"unit_id": unit.unit_id, "unit_name": unit.name, "year": collection.year, "due_on": collection.due_on.isoformat()},
            )
            for unit in late
        ]
    onward_due = (
        await connection.execute(
            update(AnnualCollection)
            .where(
                AnnualCollection.onward_due_on < today,
                AnnualCollection.onward_reminded_at.is_(None),
                AnnualCollection.submitted_at.is_(None),
                AnnualCollection.parent_code.is_not(None),
            )
            .values(onward_reminded_at=func.now())
            .returning(AnnualCollection.tenant_code, AnnualCollection.parent_code, AnnualCollection.year, AnnualCollection.onward_due_on)
        )
    ).all()
    names = dict(
        (await connection.execute(select(Tenant.code, Tenant.name).where(Tenant.code.in_([c.tenant_code for c in onward_due])))).all()
    )
    events += [
        (
            collection.tenant_code,
            "annual_onward.overdue",
            {
                "tenant_codes": [collection.tenant_code, collection.parent_code],
                "office_name": names[collection.tenant_code],
                "year": collection.year,
                "due_on": collection.onward_due_on.isoformat(),
            },
        )
        for collection in onward_due
    ]
    await emit_many(connection, events)
    return len(events)
