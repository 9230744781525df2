"""The printable bulletin (GET /bulletins/{id}/print, HTML) and its PDF (GET /bulletins/{id}/pdf),
for whoever may read the bulletin: the publisher's readers (drafts marked as such) and, once
published, the recipient offices' members. Opening either is not a read receipt; the frontend
records that with markBulletinRead."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Response

from backend.bulletins.joint import joint_organs_of_bulletins
from backend.bulletins.printing import bulletin_document
from backend.bulletins.service import READERS, BulletinService, cases_of_bulletins
from backend.context import context_for
from backend.documents.official import OfficialDocument
from backend.documents.responses import html_response, pdf_response
from backend.ids import parse_id
from backend.permissions import permitted, special
from tenants.scoping import reading

READABLE = {"access": special(READERS)}  # the bulletin's readers, as `bulletin` says


async def _document(request: Request, bulletin_id: str) -> OfficialDocument:
    context = context_for(request)
    engine = context.runtime.engine
    readable = await BulletinService(engine).readable(await context.principal(), parse_id(bulletin_id, "id"))
    async with reading(engine).connect() as connection:
        cases = (await cases_of_bulletins(connection, [readable.row.id])).get(readable.row.id, [])
        joint = (await joint_organs_of_bulletins(connection, [readable.row.id])).get(readable.row.id, [])
    row = readable.row
    name = f"bulletin-{row.publisher_code}-{row.year}-{row.number}" if row.number is not None else f"bulletin-draft-{row.id}"
    return bulletin_document(readable, cases, joint, context.clock.today(), name)


@get("/bulletins/{bulletin_id:str}/print", guards=[permitted], opt=READABLE)
async def print_bulletin(request: Request, bulletin_id: str) -> Response[str]:
    return html_response(await _document(request, bulletin_id))


@get("/bulletins/{bulletin_id:str}/pdf", guards=[permitted], opt=READABLE)
async def bulletin_as_pdf(request: Request, bulletin_id: str) -> Response[bytes]:
    return await pdf_response(await _document(request, bulletin_id))
