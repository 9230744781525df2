"""The printable rendering of a discipline letter (GET /letters/{tenant}/{id}/print): the 纪律函告
as an official document (backend/documents/official.py), an HTML page for the browser's print dialog. Opening it is not
a read receipt; the frontend records that with markLetterRead."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Response

from backend.clock import CHINA_STANDARD_TIME
from backend.context import context_for
from backend.documents.official import OfficialDocument
from backend.documents.responses import html_response
from backend.ids import parse_id
from backend.letters.models import LetterKind
from backend.letters.service import LetterService
from backend.permissions import permitted, read


@get("/letters/{tenant_code:str}/{letter_id:str}/print", guards=[permitted], opt={"access": read()})
async def print_letter(request: Request, tenant_code: str, letter_id: str) -> Response[str]:
    context = context_for(request)
    letter = await LetterService(context.runtime.engine).letter(await context.principal(), tenant_code, parse_id(letter_id, "id"))
    row = letter.row
    document = OfficialDocument(
        title=f"{LetterKind(row.kind).label}：{row.subject}",
        addressee=f"{row.recipient_name}同志（{row.recipient_post}，{row.unit_name}）",
        sections=[],
        issuer=row.office_name,
        dated=row.issued_at.astimezone(CHINA_STANDARD_TIME).date(),  # the date the office saw
        file_name=f"letter-{tenant_code}-{row.id}",
        marking=context.runtime.settings.marking_name(row.sensitivity),
        masthead=(row.office_name,),
        document_number=row.document_number,
        body=tuple(line.strip() for line in row.body.splitlines() if line.strip()),
    )
    return html_response(document)
