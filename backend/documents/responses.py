"""An official document as an HTTP download: .docx to edit, PDF to read and print (rendering is
CPU-bound, so it runs off the event loop), or the HTML page to print from the browser."""

from __future__ import annotations

import asyncio

from litestar.response import Response

from backend.documents.docx import to_docx
from backend.documents.html import to_html
from backend.documents.official import OfficialDocument
from backend.documents.pdf import to_pdf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def docx_response(document: OfficialDocument) -> Response[bytes]:
    content = await asyncio.to_thread(to_docx, document)
    return Response(content, media_type=DOCX, headers={"Content-Disposition": f'attachment; filename="{document.file_name}.docx"'})


async def pdf_response(document: OfficialDocument) -> Response[bytes]:
    content = await asyncio.to_thread(to_pdf, document)
    return Response(content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{document.file_name}.pdf"'})


def html_response(document: OfficialDocument) -> Response[str]:
    return Response(to_html(document), media_type="text/html; charset=utf-8")
