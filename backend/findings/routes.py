"""The ledger as an Excel file (GET /exports/{tenant}/ledger.xlsx, same filters as the
`findings` query, as query parameters) and the import template (GET /templates/findings.xlsx)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated
from urllib.parse import quote

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import File, Response
from sqlalchemy import select

from backend.audit.reads import SensitiveEntity
from backend.context import context_for
from backend.findings.excel import TEMPLATE_PATH, ledger_workbook
from backend.findings.models import FindingSource
from backend.findings.service import FindingFilter, FindingService, FindingSort
from backend.ids import optional_id
from backend.permissions import anyone, permitted, read
from backend.staff.service import STAFF_TEMPLATE_PATH
from problem_bank.rectification import LedgerState, is_overdue
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.scoping import reading

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sort(order: str) -> FindingSort:
    try:
        return FindingSort[order]
    except KeyError:
        raise DomainError("INVALID_ORDER", f"排序须为：{'、'.join(s.name for s in FindingSort)}", field="order") from None


def _date(value: str | None, field: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise DomainError("INVALID_DATE", f"{value!r} 不是日期（应形如 2026-09-10）", field=field) from None


def _states(names: list[str] | None) -> frozenset[LedgerState]:
    """The `state` parameters: the states' names, as the schema writes them (REGISTERED)."""
    try:
        return frozenset(LedgerState[name] for name in names or ())
    except KeyError:
        raise DomainError("INVALID_STATE", f"台账状态须为：{'、'.join(state.name for state in LedgerState)}", field="state") from None


@get("/exports/{tenant_code:str}/ledger.xlsx", guards=[permitted], opt={"access": read()})
async def export_ledger(
    request: Request,
    tenant_code: str,
    round_id: Annotated[str | None, QueryParameter(name="roundId")] = None,
    unit_id: Annotated[str | None, QueryParameter(name="unitId")] = None,
    taxonomy_code: Annotated[str | None, QueryParameter(name="taxonomyCode")] = None,
    states: Annotated[list[str] | None, QueryParameter(name="state")] = None,
    overdue: bool | None = None,
    deadline_from: Annotated[str | None, QueryParameter(name="deadlineFrom")] = None,
    deadline_to: Annotated[str | None, QueryParameter(name="deadlineTo")] = None,
    order: str = "DEADLINE",
) -> Response[bytes]:
    context = context_for(request)
    principal = await context.principal()
    taxonomy = await context.runtime.taxonomy()
    criteria = FindingFilter(
        round_id=optional_id(round_id, "roundId"),
        unit_id=optional_id(unit_id, "unitId"),
        taxonomy=taxonomy.scope(taxonomy_code),
        states=_states(states),
        overdue=overdue,
        deadline_from=_date(deadline_from, "deadlineFrom"),
        deadline_to=_date(deadline_to, "deadlineTo"),
    )
    today = context.clock.today()
    rows = await FindingService(context.runtime.engine).export_rows(principal, tenant_code, filter=criteria, sort=_sort(order), today=today)
    await context.record_read(tenant_code, SensitiveEntity.EXPORT, "ledger.xlsx")
    async with reading(context.runtime.engine).connect() as connection:
        office = (await connection.execute(select(Tenant.name).where(Tenant.code == tenant_code))).scalar_one()
    table = [
        (
            n,
            r.code,
            context.runtime.settings.marking_name(r.sensitivity),
            r.unit_name,
            r.round_name or FindingSource(r.source).label,
            taxonomy.name(r.taxonomy_code, r.taxonomy_version) or r.taxonomy_code,
            r.description,
            r.severity,
            r.found_on.isoformat(),
            r.responsible_unit,
            r.responsible_person,
            r.measures,
            r.deadline.isoformat(),
            LedgerState(r.state).label,
            "是" if is_overdue(r.state, r.deadline, today) else "否",
            r.closed_at.date().isoformat() if r.closed_at else None,
        )
        for n, r in enumerate(rows, start=1)
    ]
    content = await asyncio.to_thread(ledger_workbook, f"{office}问题整改台账", f"导出日期：{today.isoformat()}　共 {len(table)} 条", table)
    filename = quote(f"{office}整改台账-{today.isoformat()}.xlsx")
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})


@get("/templates/findings.xlsx", sync_to_thread=False, guards=[permitted], opt={"access": anyone()})
def findings_template() -> File:
    """The import template; public, it holds no data."""
    return File(path=TEMPLATE_PATH, media_type=XLSX, filename="问题导入模板.xlsx")


@get("/templates/staff.xlsx", sync_to_thread=False, guards=[permitted], opt={"access": anyone()})
def staff_template() -> File:
    """The 实名制 staff import template; public, it holds no data."""
    return File(path=STAFF_TEMPLATE_PATH, media_type=XLSX, filename=STAFF_TEMPLATE_PATH.name)
