"""The 检查情况报告 as files: GET /rounds/{tenant}/{round}/report.docx (what offices edit in
WPS/Word) and .pdf, `?unit=<id>` for one unit's; for the office's team and reviewers."""

from __future__ import annotations

import dataclasses

from litestar import Request, get
from litestar.response import Response

from backend.context import context_for
from backend.documents.official import OfficialDocument
from backend.documents.responses import docx_response, pdf_response
from backend.ids import optional_id, parse_id
from backend.inspection_report.service import InspectionReports
from backend.inspection_report.types import REPORT_READERS
from backend.permissions import Reach, permitted, read
from backend.rounds.leading import BY_ROUND
from backend.sensitivity import Sensitivity

READABLE = {"access": read(Reach.OFFICE, roles=REPORT_READERS, locate=BY_ROUND)}


async def _document(request: Request, tenant_code: str, round_id: str) -> OfficialDocument:
    context = context_for(request)
    runtime = context.runtime
    unit = optional_id(request.query_params.get("unit"), "unit")
    reports = InspectionReports(runtime.engine)
    document = await reports.document(tenant_code, parse_id(round_id, "roundId"), unit, await runtime.taxonomy(), context.clock.today())
    return dataclasses.replace(document, marking=runtime.settings.marking_name(document.marking or Sensitivity.INTERNAL))


@get("/rounds/{tenant_code:str}/{round_id:str}/report.docx", guards=[permitted], opt=READABLE)
async def inspection_report_docx(request: Request, tenant_code: str, round_id: str) -> Response[bytes]:
    return await docx_response(await _document(request, tenant_code, round_id))


@get("/rounds/{tenant_code:str}/{round_id:str}/report.pdf", guards=[permitted], opt=READABLE)
async def inspection_report_pdf(request: Request, tenant_code: str, round_id: str) -> Response[bytes]:
    return await pdf_response(await _document(request, tenant_code, round_id))
