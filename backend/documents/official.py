"""An official document (公文) as offices print and edit it, in the layout of GB/T 9704 as far as
a generated document goes: the 发文机关标志 in red with the 发文字号 under it (a letter between
organs: backend/correspondence/printing.py), the title centred in 小标宋 二号, the addressee (主送) flush left, the
body in 仿宋 三号 with first-level headings (一、) in 黑体 and second-level ones (（一）) in 楷体, the
issuing office and the date at the end, right-aligned. One structure, rendered as HTML (for the
browser's print dialog and, through PyMuPDF, PDF) and as .docx (what offices edit in WPS/Word)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from html import escape
from io import BytesIO

import pymupdf
from docx import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

A4 = pymupdf.paper_rect("a4")
MARGIN = 56  # points, about 20 mm


@dataclass(frozen=True)
class Section:
    heading: str  # 一、基本情况 (numbered by the renderer)
    paragraphs: list[str] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)  # （一）…


@dataclass(frozen=True)
class OfficialDocument:
    title: str
    addressee: str | None
    sections: list[Section]
    issuer: str
    dated: date
    file_name: str  # without extension, ASCII
    marking: str | None = None  # 公开 / 内部 / 敏感 as the deployment names it: top left, as 公文 place a 密级
    masthead: tuple[str, ...] = ()  # 发文机关标志: the issuing organs (several for 联合发文), in red
    document_number: str | None = None  # 发文字号, under the masthead
    body: tuple[str, ...] = ()  # paragraphs before the sections (a letter has only these)
    copied_to: str | None = None  # 抄送


NUMERALS = "一二三四五六七八九十"


def numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    return NUMERALS[n // 10 - 1] + "十" + (NUMERALS[n % 10 - 1] if n % 10 else "")


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


STYLE = """
  @page { size: A4; margin: 37mm 26mm 35mm 28mm; }
  body { font-family: "FangSong", "仿宋", "STFangsong", "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 1.75; }
  h1 { font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", "SimSun", "宋体", serif; font-size: 22pt; text-align: center;
       font-weight: normal; margin: 0 0 16pt 0; }
  h2 { font-family: "SimHei", "黑体", "Noto Sans CJK SC", sans-serif; font-size: 16pt; font-weight: normal; margin: 8pt 0 0 0;
       text-indent: 2em; }
  h3 { font-family: "KaiTi", "楷体", "STKaiti", serif; font-size: 16pt; font-weight: normal; margin: 4pt 0 0 0; text-indent: 2em; }
  p { text-indent: 2em; margin: 0; }
  p.addressee { text-indent: 0; }
  .signature { text-align: right; margin-top: 24pt; }
  .marking { font-family: "SimHei", "黑体", "Noto Sans CJK SC", sans-serif; font-size: 16pt; margin: 0 0 8pt 0; }
  .masthead { color: #c00000; font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", "SimSun", "宋体", serif; font-size: 26pt;
              text-align: center; margin: 0; }
  .number { text-align: center; margin: 8pt 0 4pt 0; padding-bottom: 8pt; border-bottom: 2px solid #c00000; }
  .copied { text-indent: 0; margin-top: 24pt; border-top: 1px solid #000; border-bottom: 1px solid #000; }
"""


def to_html(document: OfficialDocument) -> str:
    parts = [f'<div class="marking">{escape(document.marking)}</div>'] if document.marking else []
    parts += [f'<p class="masthead">{escape(organ)}</p>' for organ in document.masthead]
    if document.document_number:
        parts.append(f'<p class="number">{escape(document.document_number)}</p>')
    parts.append(f"<h1>{escape(document.title)}</h1>")
    if document.addressee:
        parts.append(f'<p class="addressee">{escape(document.addressee)}：</p>')
    parts += [f"<p>{escape(text)}</p>" for text in document.body]
    for n, section in enumerate(document.sections, start=1):
        parts.append(f"<h2>{numeral(n)}、{escape(section.heading)}</h2>")
        parts += [f"<p>{escape(text)}</p>" for text in section.paragraphs]
        for m, sub in enumerate(section.subsections, start=1):
            parts.append(f"<h3>（{numeral(m)}）{escape(sub.heading)}</h3>")
            parts += [f"<p>{escape(text)}</p>" for text in sub.paragraphs]
    parts.append(f'<div class="signature">{escape(document.issuer)}<br>{chinese_date(document.dated)}</div>')
    if document.copied_to:
        parts.append(f'<p class="copied">抄送：{escape(document.copied_to)}。</p>')
    return (
        f'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(document.title)}</title>'
        f"<style>{STYLE}</style></head>\n<body>\n" + "\n".join(parts) + "\n</body></html>"
    )


def to_pdf(html: str) -> bytes:
    """An HTML page as an A4 PDF, as many pages as it takes (CPU-bound: call it off the event loop)."""
    story = pymupdf.Story(html=html)
    output = BytesIO()
    writer = pymupdf.DocumentWriter(output)
    frame = pymupdf.Rect(A4.x0 + MARGIN, A4.y0 + MARGIN, A4.x1 - MARGIN, A4.y1 - MARGIN)
    more = True
    while more:
        device = writer.begin_page(A4)
        more, _ = story.place(frame)
        story.draw(device)
        writer.end_page()
    writer.close()
    return output.getvalue()


def _font(run, name: str, size: float) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)  # CJK text takes the east-Asian font


def _paragraph(doc, text: str, font: str, size: float = 16, *, indent: bool = True, align=None, red: bool = False) -> None:
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(size * 2) if indent else None
    paragraph.paragraph_format.line_spacing = Pt(max(28, size * 1.5))  # 28 磅 fixed, the usual 公文 spacing
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run(text)
    _font(run, font, size)
    if red:
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)


def to_docx(document: OfficialDocument) -> bytes:
    doc = DocxDocument()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    if document.marking:
        _paragraph(doc, document.marking, "黑体", indent=False)
    for organ in document.masthead:
        _paragraph(doc, organ, "方正小标宋简体", 26, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, red=True)
    if document.document_number:
        _paragraph(doc, document.document_number, "仿宋_GB2312", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, document.title, "方正小标宋简体", 22, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    if document.addressee:
        _paragraph(doc, f"{document.addressee}：", "仿宋_GB2312", indent=False)
    for text in document.body:
        _paragraph(doc, text, "仿宋_GB2312")
    for n, part in enumerate(document.sections, start=1):
        _paragraph(doc, f"{numeral(n)}、{part.heading}", "黑体")
        for text in part.paragraphs:
            _paragraph(doc, text, "仿宋_GB2312")
        for m, sub in enumerate(part.subsections, start=1):
            _paragraph(doc, f"（{numeral(m)}）{sub.heading}", "楷体_GB2312")
            for text in sub.paragraphs:
                _paragraph(doc, text, "仿宋_GB2312")
    for line in (document.issuer, chinese_date(document.dated)):
        _paragraph(doc, line, "仿宋_GB2312", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    if document.copied_to:
        _paragraph(doc, f"抄送：{document.copied_to}。", "仿宋_GB2312", 14, indent=False)
    output = BytesIO()
    doc.save(output)
    return output.getvalue()
