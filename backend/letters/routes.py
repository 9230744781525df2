"""The printable rendering of a discipline letter (GET /letters/{tenant}/{id}/print): an A4
page in the layout of an official letter, for the browser's print dialog. Opening it is not
a read receipt; the frontend records that with markLetterRead."""

from __future__ import annotations

from html import escape

from litestar import Request, get
from litestar.response import Response

from backend.clock import CHINA_STANDARD_TIME
from backend.context import context_for
from backend.ids import parse_id
from backend.letters.models import LetterKind
from backend.letters.service import LetterService
from backend.permissions import permitted, read

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{document_number}</title>
<style>
  @page {{ size: A4; margin: 37mm 26mm 35mm 28mm; }}
  body {{ font-family: "FangSong", "仿宋", "STFangsong", "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 1.8; }}
  h1 {{ font-family: "SimSun", "宋体", "Noto Serif CJK SC", serif; font-size: 22pt; text-align: center; color: #c00; margin: 0 0 8mm; }}
  .number {{ text-align: center; margin-bottom: 6mm; }}
  hr {{ border: 0; border-top: 2px solid #c00; margin: 0 0 10mm; }}
  .subject {{ font-weight: bold; text-align: center; margin-bottom: 6mm; }}
  .body p {{ text-indent: 2em; margin: 0; }}
  .signature {{ text-align: right; margin-top: 14mm; }}
  .marking {{ font-family: "SimHei", "黑体", sans-serif; }}
</style></head>
<body>
  <div class="marking">{marking}</div>
  <h1>{office}</h1>
  <div class="number">{document_number}</div>
  <hr>
  <div class="subject">{kind}：{subject}</div>
  <div>{recipient}同志（{post}，{unit}）：</div>
  <div class="body">{paragraphs}</div>
  <div class="signature">{office}<br>{issued_on}</div>
</body></html>"""


@get("/letters/{tenant_code:str}/{letter_id:str}/print", guards=[permitted], opt={"access": read()})
async def print_letter(request: Request, tenant_code: str, letter_id: str) -> Response[str]:
    context = context_for(request)
    letter = await LetterService(context.runtime.engine).letter(await context.principal(), tenant_code, parse_id(letter_id, "id"))
    row = letter.row
    issued = row.issued_at.astimezone(CHINA_STANDARD_TIME)  # the date the office saw
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in row.body.splitlines() if line.strip())
    page = PAGE.format(
        marking=escape(context.runtime.settings.marking_name(row.sensitivity)),
        office=escape(row.office_name),
        document_number=escape(row.document_number),
        kind=LetterKind(row.kind).label,
        subject=escape(row.subject),
        recipient=escape(row.recipient_name),
        post=escape(row.recipient_post),
        unit=escape(row.unit_name),
        paragraphs=paragraphs,
        issued_on=f"{issued.year}年{issued.month}月{issued.day}日",
    )
    return Response(page, media_type="text/html; charset=utf-8")
