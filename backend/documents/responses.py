"""An official document as an HTTP download: .docx to edit, PDF to read and print (rendering is
CPU-bound, so it runs off the event loop)."""

from __future__ import annotations

import asyncio

from litestar.response import Response

from backend.documents.official import OfficialDocument, to_docx, to_html, to_pdf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def docx_response(document: OfficialDocument) -> Response[bytes]:
    content = await asyncio.to_thread(to_docx, document)
    return Response(content, media_type=DOCX, headers={"Content-Disposition": f'attachment; filename="{document.file_name}.docx"'})


async def pdf_response(document: OfficialDocument) -> Response[bytes]:
    content = await asyncio.to_thread(lambda: to_pdf(to_html(document)))
    return Response(content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{document.file_name}.pdf"'})
