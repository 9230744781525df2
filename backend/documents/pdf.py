"""An official document as PDF, drawn with fpdf2 on the GB/T 9704 page (backend/documents/official.py):
the text in the open CJK fonts of backend/documents/fonts.py, embedded as subsets (a page of text
weighs tens of kilobytes, not the megabytes of a whole font), and extractable. CPU-bound: call it
off the event loop."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fpdf import FPDF
from fpdf.enums import TextMode, WrapMode, XPos, YPos

from backend.documents import fonts
from backend.documents import official as gb
from backend.documents.official import OfficialDocument, chinese_date

POINT = 25.4 / 72  # millimetres
TEXT_BOTTOM = gb.TOP + gb.TEXT_HEIGHT
SEAL_CLEARANCE = 2  # lines between the text and the signature: room for the 印章 over 署名 and date (§7.3.5.1)


class _Pages(FPDF):
    """A4 pages with the 版心 as margins and the page number under it: — 1 —, 四号宋体, odd pages
    one character in from the right, even pages from the left (§7.5)."""

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.set_margins(gb.LEFT, gb.TOP, gb.RIGHT)
        self.set_auto_page_break(True, gb.BOTTOM)
        self.set_creator("xuncha")
        for face in fonts.Embedded:
            self.add_font(face.value, "", face.path)

    def footer(self) -> None:
        self.set_y(TEXT_BOTTOM + gb.PAGE_NUMBER_DROP)
        with use(self, fonts.SONGTI, gb.SIZE_4):
            inset = gb.SIZE_4 * POINT
            self.set_x(gb.LEFT + inset if self.page_no() % 2 == 0 else gb.LEFT)
            self.cell(gb.TEXT_WIDTH - inset, gb.SIZE_4 * POINT, f"— {self.page_no()} —", align="L" if self.page_no() % 2 == 0 else "R")


@contextmanager
def use(pdf: FPDF, face: fonts.Face, size: float) -> Iterator[None]:
    """Text in the face at a size; a heavy face (小标宋, 黑体) is stroked as well as filled, the open
    fonts being regular weights; 三号 characters are spaced to 28 a line. Inside a saved graphics
    state (q … Q), so the stroke stops with the text."""
    heavy = {"text_mode": TextMode.FILL_STROKE, "line_width": size * POINT * 0.025} if face.heavy else {}
    with pdf.local_context(**heavy):
        pdf.set_font(face.embedded.value, size=size)
        pdf.set_char_spacing(gb.CHARACTER - gb.SIZE_3 * POINT if size == gb.SIZE_3 else 0)
        yield


def _paragraph(pdf: FPDF, text: str, face: fonts.Face = fonts.FANGSONG, size: float = gb.SIZE_3, *, indent: float = 2) -> None:
    """Running text: the first line `indent` characters in, the rest flush left, broken anywhere."""
    with use(pdf, face, size):
        pdf.set_x(gb.LEFT + indent * gb.CHARACTER * size / gb.SIZE_3)
        pdf.write(gb.LINE, text, wrapmode=WrapMode.CHAR)
        pdf.ln(gb.LINE)


def _centred(pdf: FPDF, text: str, face: fonts.Face, size: float, height: float = gb.LINE) -> None:
    with use(pdf, face, size):
        pdf.multi_cell(gb.TEXT_WIDTH, height, text, align="C", wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def to_pdf(document: OfficialDocument) -> bytes:
    pdf = _Pages()
    pdf.set_title(document.title)
    pdf.add_page()
    _head(pdf, document)
    if document.notice:
        pdf.set_text_color(*gb.RED)
        _centred(pdf, document.notice, fonts.HEITI, gb.SIZE_3)
        pdf.set_text_color(0)
    _centred(pdf, document.title, fonts.XIAOBIAOSONG, gb.SIZE_2)
    pdf.ln(gb.LINE)
    if document.addressee:
        _paragraph(pdf, f"{document.addressee}：", indent=0)
    for text in document.body:
        _paragraph(pdf, text)
    for heading, paragraphs, subsections in document.headings:
        _paragraph(pdf, heading, fonts.HEITI)
        for text in paragraphs:
            _paragraph(pdf, text)
        for subheading, subparagraphs in subsections:
            _paragraph(pdf, subheading, fonts.KAITI)
            for text in subparagraphs:
                _paragraph(pdf, text)
    _attachment_note(pdf, document)
    _signature(pdf, document)
    for n, attachment in enumerate(document.attachments, start=1):
        pdf.add_page()
        _paragraph(pdf, document.attachment_label(n), fonts.HEITI, indent=0)
        pdf.ln(gb.LINE)
        _centred(pdf, attachment.title, fonts.XIAOBIAOSONG, gb.SIZE_2)
        pdf.ln(gb.LINE)
        for text in attachment.lines:
            _paragraph(pdf, text)
    _imprint(pdf, document)
    return bytes(pdf.output())


def _head(pdf: FPDF, document: OfficialDocument) -> None:
    """版头 (§7.2): the marking top left, the 发文机关标志 in red 35 mm down (§7.2.4), the 发文字号 two
    blank lines under it (§7.2.5) and the red separator line 4 mm under the number (§7.2.7)."""
    if document.marking:
        _paragraph(pdf, document.marking, fonts.HEITI, indent=0)
    if not document.masthead:
        return
    pdf.set_y(gb.TOP + gb.MASTHEAD_DROP)
    pdf.set_text_color(*gb.RED)
    for organ in document.masthead:
        with use(pdf, fonts.XIAOBIAOSONG, gb.MASTHEAD_LARGEST):
            widest = pdf.get_string_width(organ)
        size = min(gb.MASTHEAD_LARGEST, gb.MASTHEAD_LARGEST * 0.97 * gb.TEXT_WIDTH / widest)  # one line, inside the 版心
        _centred(pdf, organ, fonts.XIAOBIAOSONG, size, size * POINT * 1.25)
    pdf.set_text_color(0)
    if document.document_number:
        pdf.ln(2 * gb.LINE)  # 空二行
        _centred(pdf, document.document_number, fonts.FANGSONG, gb.SIZE_3)
    rule = pdf.get_y() - (gb.LINE - gb.SIZE_3 * POINT) / 2 + gb.RULE_BELOW_NUMBER
    pdf.set_draw_color(*gb.RED)
    pdf.set_line_width(0.5)
    pdf.line(gb.LEFT, rule, gb.LEFT + gb.TEXT_WIDTH, rule)
    pdf.set_draw_color(0)
    pdf.set_y(rule + 2 * gb.LINE)  # the title two lines under the red line (§7.3.1)


def _attachment_note(pdf: FPDF, document: OfficialDocument) -> None:
    """附件说明: a line under the text, two characters in; several attachments numbered and aligned (§7.3.4)."""
    if not document.attachments:
        return
    pdf.ln(gb.LINE)
    for n, name in enumerate(document.attachment_note):
        _paragraph(pdf, f"附件：{name}" if n == 0 else name, indent=2 if n == 0 else 5)


def _signature(pdf: FPDF, document: OfficialDocument) -> None:
    """署名 and 成文日期 where the 印章 goes: the date four characters in from the right, the organ's
    name centred over it (wider names stand two characters in), kept together on one page (§7.3.5.1)."""
    dated = chinese_date(document.dated)
    if pdf.get_y() + (SEAL_CLEARANCE + 2) * gb.LINE > TEXT_BOTTOM:
        pdf.add_page()
    else:
        pdf.ln(SEAL_CLEARANCE * gb.LINE)
    with use(pdf, fonts.FANGSONG, gb.SIZE_3):
        date_right = gb.LEFT + gb.TEXT_WIDTH - 4 * gb.CHARACTER
        date_width = pdf.get_string_width(dated)
        issuer_width = pdf.get_string_width(document.issuer)
        centre = date_right - date_width / 2
        issuer_left = max(gb.LEFT, min(centre - issuer_width / 2, gb.LEFT + gb.TEXT_WIDTH - 2 * gb.CHARACTER - issuer_width))
        for text, left, width in ((document.issuer, issuer_left, issuer_width), (dated, date_right - date_width, date_width)):
            pdf.set_x(left)
            pdf.cell(width, gb.LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _imprint(pdf: FPDF, document: OfficialDocument) -> None:
    """版记 at the foot of the last page (§7.4): 抄送 and 印发 in 四号仿宋 one character in from each
    side, between a thick rule above and below (0.35 mm) and thin ones between (0.25 mm)."""
    rows = [row for row in (document.copies,) if row]
    height = (len(rows) + 1) * gb.LINE
    if pdf.get_y() + height > TEXT_BOTTOM:
        pdf.add_page()
    top = TEXT_BOTTOM - height
    inset = gb.SIZE_4 * POINT
    organ, printed = document.imprint
    for n in range(len(rows) + 2):
        pdf.set_line_width(0.35 if n in (0, len(rows) + 1) else 0.25)
        pdf.line(gb.LEFT, top + n * gb.LINE, gb.LEFT + gb.TEXT_WIDTH, top + n * gb.LINE)
    with use(pdf, fonts.FANGSONG, gb.SIZE_4):
        for n, text in enumerate(rows):
            pdf.set_xy(gb.LEFT + inset, top + n * gb.LINE)
            pdf.multi_cell(gb.TEXT_WIDTH - 2 * inset, gb.LINE, text, align="L", wrapmode=WrapMode.CHAR, max_line_height=gb.LINE)
        for text, align in ((organ, "L"), (printed, "R")):
            pdf.set_xy(gb.LEFT + inset, top + len(rows) * gb.LINE)
            pdf.cell(gb.TEXT_WIDTH - 2 * inset, gb.LINE, text, align=align)
