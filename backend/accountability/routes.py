"""The case ledger (问责台账) as an Excel file: GET /exports/{tenant}/accountability.xlsx, for
the readers of the office's cases (its members and those above it, not liaisons)."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from litestar import Request, get
from litestar.response import Response

from backend.accountability.models import CaseState
from backend.accountability.service import MAX_EXPORT_ROWS, AccountabilityService, subject_label
from backend.audit.reads import SensitiveEntity
from backend.clock import CHINA_STANDARD_TIME
from backend.context import context_for
from backend.findings.excel import ExportColumn, table_workbook
from backend.findings.routes import XLSX
from backend.permissions import Reach, permitted, read

CASE_COLUMNS = (
    ExportColumn("序号", 6),
    ExportColumn("案件编号", 8),
    ExportColumn("敏感程度", 8),
    ExportColumn("受理日期", 11),
    ExportColumn("案件名称", 26),
    ExportColumn("问责对象", 26),
    ExportColumn("所属地区", 12),
    ExportColumn("关联问题数", 8),
    ExportColumn("基本事实", 36),
    ExportColumn("问责措施", 20),
    ExportColumn("处理决定", 30),
    ExportColumn("案件状态", 9),
    ExportColumn("办结日期", 11),
)


def _day(moment) -> str | None:
    return moment.astimezone(CHINA_STANDARD_TIME).date().isoformat() if moment else None


@get("/exports/{tenant_code:str}/accountability.xlsx", guards=[permitted], opt={"access": read(Reach.SUBTREE)})
async def export_cases(request: Request, tenant_code: str) -> Response[bytes]:
    context = context_for(request)
    office, rows = await AccountabilityService(context.runtime.engine).ledger(tenant_code)
    await context.record_read(tenant_code, SensitiveEntity.EXPORT, "accountability.xlsx")
    table = [
        (
            n,
            r.id,
            context.runtime.settings.marking_name(r.sensitivity),
            _day(r.opened_at),
            r.title,
            subject_label(r),
            r.subject_office,
            r.finding_count,
            r.facts,
            r.measure_kinds,
            r.decision,
            CaseState(r.state).label,
            _day(r.closed_at),
        )
        for n, r in enumerate(rows, start=1)
    ]
    today = context.clock.today()
    count = f"前 {MAX_EXPORT_ROWS} 件（案件更多，请分年度导出）" if len(table) == MAX_EXPORT_ROWS else f"共 {len(table)} 件"
    content = await asyncio.to_thread(
        table_workbook, "问责台账", CASE_COLUMNS, f"{office}追责问责台账", f"导出日期：{today.isoformat()}　{count}", table
    )
    filename = quote(f"{office}问责台账-{today.isoformat()}.xlsx")
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})
