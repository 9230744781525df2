"""A document between organs as files: GET /correspondence/{id}/print.docx (what offices edit in
WPS/Word) and print.pdf, for the users of the sending and receiving organs."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Response

from backend.context import context_for
from backend.correspondence.printing import printed
from backend.correspondence.service import Correspondence
from backend.correspondence.types import READERS
from backend.documents.official import OfficialDocument
from backend.documents.responses import docx_response, pdf_response
from backend.ids import parse_id
from backend.permissions import permitted

READABLE = {"access": READERS}


async def _official(request: Request, document_id: str) -> OfficialDocument:
    context = context_for(request)
    runtime = context.runtime
    principal = await context.principal()
    document, issuers, recipients, items = await Correspondence(runtime.engine, runtime.clock).printable(
        principal, parse_id(document_id, "documentId")
    )
    return printed(document, issuers, recipients, items, runtime.settings.marking_name(document.sensitivity))


@get("/correspondence/{document_id:str}/print.docx", guards=[permitted], opt=READABLE)
async def correspondence_docx(request: Request, document_id: str) -> Response[bytes]:
    return await docx_response(await _official(request, document_id))


@get("/correspondence/{document_id:str}/print.pdf", guards=[permitted], opt=READABLE)
async def correspondence_pdf(request: Request, document_id: str) -> Response[bytes]:
    return await pdf_response(await _official(request, document_id))
