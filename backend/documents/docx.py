"""An official document as .docx, what offices edit in WPS/Word: the page, fonts and spacing of
GB/T 9704 (backend/documents/official.py). Each run names the standard font for its CJK text
(w:eastAsia) and the font table gives each standard font its alternative (w:altName), so a
machine without 方正小标宋简体 or 仿宋_GB2312 takes 宋体 or 仿宋 rather than whatever it likes."""

from __future__ import annotations

import unicodedata
from io import BytesIO

from docx import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from backend.documents import fonts
from backend.documents import official as gb
from backend.documents.official import OfficialDocument, chinese_date

PITCH = Mm(gb.LINE)
# what follows w:pBdr in a w:pPr (ECMA-376 CT_PPrBase): Word refuses elements out of order
AFTER_BORDERS = (
    *("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE"),
    *("w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents"),
    *("w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId"),
    *("w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"),
)  # exact line spacing: 22 lines to the 版心


def width_in_characters(text: str) -> float:
    """How many CJK characters wide a text is: a wide character one, a Latin letter or digit half."""
    return sum(1 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text)


def _paragraph(
    doc, text: str, face: fonts.Face, size: float = gb.SIZE_3, *, indent: bool = True, align=None, red: bool = False
) -> Paragraph:
    paragraph = doc.add_paragraph()
    form = paragraph.paragraph_format
    form.first_line_indent = Pt(size * 2) if indent else None
    form.line_spacing_rule, form.line_spacing = WD_LINE_SPACING.EXACTLY, PITCH
    form.space_before = form.space_after = Pt(0)
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run(text)
    run.font.name = face.standard
    run.font.size = Pt(size)
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face.standard)  # CJK text takes the east-Asian font
    if red:
        run.font.color.rgb = RGBColor(*gb.RED)
    return paragraph


def _lines_before(paragraph: Paragraph, lines: float) -> None:
    paragraph.paragraph_format.space_before = Mm(gb.LINE * lines)


def _border(paragraph: Paragraph, side: str, width_mm: float, color: str = "000000", space: float = 0) -> None:
    """A rule along one side of the paragraph (w:sz in eighths of a point, w:space in points)."""
    properties = paragraph._p.get_or_add_pPr()
    borders = properties.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        properties.insert_element_before(borders, *AFTER_BORDERS)
    rule = OxmlElement(f"w:{side}")
    rule.set(qn("w:val"), "single")
    rule.set(qn("w:sz"), str(round(width_mm / 25.4 * 72 * 8)))
    rule.set(qn("w:space"), str(round(space)))
    rule.set(qn("w:color"), color)
    borders.append(rule)


def _font_table(doc) -> None:
    """Each standard font with its alternative, charset GB2312 and family, in word/fontTable.xml."""
    part = doc.part.part_related_by(RELATIONSHIP_TYPE.FONT_TABLE)
    table = parse_xml(part.blob)
    for face in fonts.FACES:
        table.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{face.standard}"><w:altName w:val="{face.stand_ins[0]}"/>'
                f'<w:charset w:val="86"/><w:family w:val="{"swiss" if face.generic == "sans-serif" else "roman"}"/>'
                '<w:pitch w:val="variable"/></w:font>'
            )
        )
    part._blob = serialize_part_xml(table)


def _page_numbers(doc, section) -> None:
    """— 1 —, 四号宋体, odd pages right and even pages left, one character in from the edge (§7.5)."""
    doc.settings.odd_and_even_pages_header_footer = True
    section.footer_distance = Mm(gb.BOTTOM - gb.PAGE_NUMBER_DROP - 5)
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        paragraph.paragraph_format.right_indent = Pt(gb.SIZE_4) if align == WD_ALIGN_PARAGRAPH.RIGHT else None
        paragraph.paragraph_format.left_indent = Pt(gb.SIZE_4) if align == WD_ALIGN_PARAGRAPH.LEFT else None
        for text in ("— ", None, " —"):
            if text is None:  # the page number, a field among the paragraph's runs
                number = parse_xml(
                    f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t>1</w:t></w:r></w:fldSimple>'
                )
                paragraph._p.append(number)
                continue
            run = paragraph.add_run(text)
            run.font.name, run.font.size = fonts.SONGTI.standard, Pt(gb.SIZE_4)


def to_docx(document: OfficialDocument) -> bytes:
    doc = DocxDocument()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(gb.PAGE_WIDTH), Mm(gb.PAGE_HEIGHT)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = (
        Mm(gb.TOP),
        Mm(gb.BOTTOM),
        Mm(gb.LEFT),
        Mm(gb.RIGHT),
    )
    _font_table(doc)
    _page_numbers(doc, section)
    centred, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    if document.marking:
        _paragraph(doc, document.marking, fonts.HEITI, indent=False)
    for n, organ in enumerate(document.masthead):
        size = min(36.0, gb.TEXT_WIDTH / 25.4 * 72 / max(width_in_characters(organ), 1))
        head = _paragraph(doc, organ, fonts.XIAOBIAOSONG, size, indent=False, align=centred, red=True)
        head.paragraph_format.line_spacing = Pt(size * 1.2)
        if n == 0:
            _lines_before(head, 2 if document.marking else 3)
    if document.document_number:
        number = _paragraph(doc, document.document_number, fonts.FANGSONG, indent=False, align=centred)
        _lines_before(number, 2)
        _border(number, "bottom", 0.5, "{:02X}{:02X}{:02X}".format(*gb.RED), space=gb.RULE_BELOW_NUMBER / 25.4 * 72)
    if document.notice:
        _paragraph(doc, document.notice, fonts.HEITI, indent=False, align=centred, red=True)
    title = _paragraph(doc, document.title, fonts.XIAOBIAOSONG, gb.SIZE_2, indent=False, align=centred)
    _lines_before(title, 2 if document.masthead else 0)
    first = [True]

    def after_title(paragraph: Paragraph) -> None:
        if first[0]:
            _lines_before(paragraph, 1)
            first[0] = False

    if document.addressee:
        after_title(_paragraph(doc, f"{document.addressee}：", fonts.FANGSONG, indent=False))
    for text in document.body:
        after_title(_paragraph(doc, text, fonts.FANGSONG))
    for heading, paragraphs, subsections in document.headings:
        after_title(_paragraph(doc, heading, fonts.HEITI))
        for text in paragraphs:
            _paragraph(doc, text, fonts.FANGSONG)
        for subheading, subparagraphs in subsections:
            _paragraph(doc, subheading, fonts.KAITI)
            for text in subparagraphs:
                _paragraph(doc, text, fonts.FANGSONG)
    for n, name in enumerate(document.attachment_note):
        note = _paragraph(doc, f"附件：{name}" if n == 0 else name, fonts.FANGSONG, indent=False)
        note.paragraph_format.left_indent = Pt(gb.SIZE_3 * (2 if n == 0 else 5))
        if n == 0:
            _lines_before(note, 1)
    # the 发文机关署名 centred over the 成文日期, which stands four characters in from the right (§7.3.5.1)
    dated = chinese_date(document.dated)
    offset = (width_in_characters(dated) - width_in_characters(document.issuer)) / 2
    signature = _paragraph(doc, document.issuer, fonts.FANGSONG, indent=False, align=right)
    signature.paragraph_format.right_indent = Pt(gb.SIZE_3 * max(2, 4 + offset))
    _lines_before(signature, 2)
    _paragraph(doc, dated, fonts.FANGSONG, indent=False, align=right).paragraph_format.right_indent = Pt(gb.SIZE_3 * 4)
    for n, attachment in enumerate(document.attachments, start=1):
        label = _paragraph(doc, document.attachment_label(n), fonts.HEITI, indent=False)
        label.paragraph_format.page_break_before = True
        _lines_before(_paragraph(doc, attachment.title, fonts.XIAOBIAOSONG, gb.SIZE_2, indent=False, align=centred), 1)
        for i, text in enumerate(attachment.lines):
            line = _paragraph(doc, text, fonts.FANGSONG)
            if i == 0:
                _lines_before(line, 1)
    _imprint(doc, document)
    output = BytesIO()
    doc.save(output)
    return output.getvalue()


def _imprint(doc, document: OfficialDocument) -> None:
    """版记 (§7.4): 抄送 and 印发 in 四号仿宋 between a thick rule above and below, a thin one between."""
    rows = []
    if document.copies:
        rows.append(_paragraph(doc, document.copies, fonts.FANGSONG, gb.SIZE_4, indent=False))
    organ, printed = document.imprint
    imprint = _paragraph(doc, f"{organ}\t{printed}", fonts.FANGSONG, gb.SIZE_4, indent=False)
    imprint.paragraph_format.tab_stops.add_tab_stop(Mm(gb.TEXT_WIDTH) - Pt(gb.SIZE_4), WD_TAB_ALIGNMENT.RIGHT)
    rows.append(imprint)
    for n, row in enumerate(rows):
        row.paragraph_format.left_indent = row.paragraph_format.right_indent = Pt(gb.SIZE_4)
        _border(row, "top", 0.35 if n == 0 else 0.25)
        if n == len(rows) - 1:
            _border(row, "bottom", 0.35)
    _lines_before(rows[0], 3)
