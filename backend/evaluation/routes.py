"""An evaluation's files: GET /evaluations/{tenant}/{id}/results.xlsx (the results for the annual
综合考核) and /report.docx|.pdf (the summary; ?unit= a department's 评估结果反馈), for the office's
readers (not liaisons); POST /evaluations/{tenant}/{id}/satisfaction takes the 满意度 survey's
sheet (columns 被评估部门, 满意度), all rows or none."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from litestar import Request, get, post
from litestar.response import Response

from backend.audit.reads import SensitiveEntity
from backend.context import context_for
from backend.documents.official import OfficialDocument
from backend.documents.responses import docx_response, pdf_response
from backend.evaluation.documents import department_feedback, result_columns, result_rows, summary
from backend.evaluation.service import MAX_UNITS, Evaluations
from backend.evaluation.workflow import ASSESSORS
from backend.findings.excel import Column, cell_text, read_import_sheet, table_workbook
from backend.findings.routes import XLSX
from backend.ids import optional_id, parse_id
from backend.permissions import Reach, permitted, read, write
from backend.uploads import read_capped
from tenants.errors import DomainError
from tenants.organs import office_full_name
from tenants.scoping import reading

READABLE = {"access": read(Reach.SUBTREE)}


async def _view(request: Request, tenant_code: str, evaluation_id: str):
    context = context_for(request)
    return await Evaluations(context.runtime.engine).view(await context.principal(), tenant_code, parse_id(evaluation_id, "id"))


SURVEY_COLUMNS = (
    Column("被评估部门", "unit", 24, "部门名称，须为本次评估的部门"),
    Column("满意度", "satisfaction", 10, "0–100"),
)


@post(
    "/evaluations/{tenant_code:str}/{evaluation_id:str}/satisfaction",
    request_max_body_size=None,
    status_code=200,
    guards=[permitted],
    opt={"access": write(ASSESSORS)},
)
async def import_satisfaction(request: Request, tenant_code: str, evaluation_id: str) -> dict[str, object]:
    context = context_for(request)
    evaluations = Evaluations(context.runtime.engine)
    principal = await context.principal()
    view = await evaluations.view(principal, tenant_code, parse_id(evaluation_id, "id"))
    rows = read_import_sheet(await read_capped(request, context.runtime.settings.evidence_max_bytes), SURVEY_COLUMNS, MAX_UNITS)
    units = {department.unit_name: department.unit_id for department in view.units}
    results = []
    for row in rows:
        name = cell_text(row.values["unit"])
        if name not in units:
            raise DomainError("NOT_FOUND", f"第 {row.line} 行：“{name or ''}”不是本次评估的部门", field="file")
        try:
            results.append((units[name], float(str(row.values["satisfaction"]))))
        except ValueError:
            raise DomainError("INVALID_SCORE", f"第 {row.line} 行：满意度须为 0–100 的数", field="file") from None
    await evaluations.record_satisfaction(principal, tenant_code, view.row.id, results, context.request_id)
    return {"recorded": len(results)}


@get("/evaluations/{tenant_code:str}/{evaluation_id:str}/results.xlsx", guards=[permitted], opt=READABLE)
async def evaluation_results(request: Request, tenant_code: str, evaluation_id: str) -> Response[bytes]:
    context = context_for(request)
    view = await _view(request, tenant_code, evaluation_id)
    await context.record_read(tenant_code, SensitiveEntity.EXPORT, f"evaluation-{view.row.id}.xlsx")
    today = context.clock.today()
    content = await asyncio.to_thread(
        table_workbook, "评估结果", result_columns(view), f"{view.row.name}结果", f"导出日期：{today.isoformat()}", result_rows(view)
    )
    filename = quote(f"{view.row.name}结果-{today.isoformat()}.xlsx")
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})


async def _document(request: Request, tenant_code: str, evaluation_id: str) -> OfficialDocument:
    context = context_for(request)
    view = await _view(request, tenant_code, evaluation_id)
    async with reading(context.runtime.engine).connect() as connection:
        issuer = await office_full_name(connection, tenant_code)
    unit = optional_id(request.query_params.get("unit"), "unit")
    today = context.clock.today()
    return summary(view, issuer, today) if unit is None else department_feedback(view, unit, issuer, today)


@get("/evaluations/{tenant_code:str}/{evaluation_id:str}/report.docx", guards=[permitted], opt=READABLE)
async def evaluation_report_docx(request: Request, tenant_code: str, evaluation_id: str) -> Response[bytes]:
    return await docx_response(await _document(request, tenant_code, evaluation_id))


@get("/evaluations/{tenant_code:str}/{evaluation_id:str}/report.pdf", guards=[permitted], opt=READABLE)
async def evaluation_report_pdf(request: Request, tenant_code: str, evaluation_id: str) -> Response[bytes]:
    return await pdf_response(await _document(request, tenant_code, evaluation_id))
