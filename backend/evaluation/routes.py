"""An evaluation's files: GET /evaluations/{tenant}/{id}/results.xlsx (the results for the annual
综合考核) and /report.docx|.pdf (the summary; ?unit= a department's 评估结果反馈), for the office's
readers (not liaisons)."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from litestar import Request, get
from litestar.response import Response
from sqlalchemy import select

from backend.audit.reads import SensitiveEntity
from backend.context import context_for
from backend.documents.official import OfficialDocument
from backend.documents.responses import docx_response, pdf_response
from backend.evaluation.documents import department_feedback, result_columns, result_rows, summary
from backend.evaluation.service import Evaluations
from backend.findings.excel import table_workbook
from backend.findings.routes import XLSX
from backend.ids import optional_id, parse_id
from backend.permissions import Reach, permitted, read
from tenants.organs import Organ, OrganKind
from tenants.scoping import reading

READABLE = {"access": read(Reach.SUBTREE)}


async def _view(request: Request, tenant_code: str, evaluation_id: str):
    context = context_for(request)
    return await Evaluations(context.runtime.engine).view(await context.principal(), tenant_code, parse_id(evaluation_id, "id"))


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
        issuer = (
            await connection.execute(select(Organ.name).where(Organ.tenant_code == tenant_code, Organ.kind == OrganKind.OFFICE.value))
        ).scalar_one()
    unit = optional_id(request.query_params.get("unit"), "unit")
    today = context.clock.today()
    return summary(view, issuer, today) if unit is None else department_feedback(view, unit, issuer, today)


@get("/evaluations/{tenant_code:str}/{evaluation_id:str}/report.docx", guards=[permitted], opt=READABLE)
async def evaluation_report_docx(request: Request, tenant_code: str, evaluation_id: str) -> Response[bytes]:
    return await docx_response(await _document(request, tenant_code, evaluation_id))


@get("/evaluations/{tenant_code:str}/{evaluation_id:str}/report.pdf", guards=[permitted], opt=READABLE)
async def evaluation_report_pdf(request: Request, tenant_code: str, evaluation_id: str) -> Response[bytes]:
    return await pdf_response(await _document(request, tenant_code, evaluation_id))
