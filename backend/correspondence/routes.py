"""Documents between organs over HTTP:

    POST /correspondence/files?organId=3&name=资料清单.pdf   body: the file → {sha256, size, contentType}
    GET  /correspondence/{id}/files/{sha256}                 an attachment of a document
    GET  /correspondence/{id}/print.docx, print.pdf          the document as a printed 公文

An organ uploads a file and names its SHA-256 among a document's attachments; the users of the
sending and receiving organs download it."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get, post
from litestar.params import QueryParameter
from litestar.response import Response, Stream

from backend.context import context_for
from backend.correspondence.printing import printed
from backend.correspondence.service import Correspondence
from backend.correspondence.types import READERS
from backend.documents.official import OfficialDocument
from backend.documents.responses import docx_response, pdf_response
from backend.evidence.location import evidence_store
from backend.evidence.routes import refuse_declared_oversize, streamed
from backend.evidence.store import is_sha256
from backend.ids import parse_id
from backend.permissions import permitted, special
from tenants.access import not_found

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


@post(
    "/correspondence/files",
    request_max_body_size=None,
    status_code=201,
    guards=[permitted],
    opt={"access": special("该机关的管理员、监督检查人员（经办）和审核人员", writes=True)},
)
async def upload_organ_file(request: Request, organ_id: Annotated[str, QueryParameter(name="organId")], name: str) -> dict[str, object]:
    context = context_for(request)
    settings = context.runtime.settings
    refuse_declared_oversize(request, settings.evidence_max_bytes)
    stored = await Correspondence(context.runtime.engine, context.runtime.clock).upload(
        await context.writer(),
        parse_id(organ_id, "organId"),
        name,
        request.stream(),
        evidence_store(settings),
        settings.evidence_max_bytes,
    )
    return {"sha256": stored.sha256, "size": stored.size, "contentType": stored.content_type}


@get("/correspondence/{document_id:str}/files/{sha256:str}", guards=[permitted], opt=READABLE)
async def download_attachment(request: Request, document_id: str, sha256: str) -> Stream:
    """The content streams through from the evidence store (local or S3)."""
    context = context_for(request)
    if not is_sha256(sha256):
        raise not_found()
    found = await Correspondence(context.runtime.engine, context.runtime.clock).attachment(
        await context.principal(), parse_id(document_id, "documentId"), sha256
    )
    return await streamed(evidence_store(context.runtime.settings), sha256, found.content_type, found.file_name)
