"""Official documents (公文) in the layout of GB/T 9704: one document, three renderings. The PDF
embeds subsets of open CJK fonts (a page weighs well under 500 KB), keeps its text extractable,
prints the 发文机关标志 red over the 文号 and runs to as many pages as the text takes; the .docx names
the standard fonts (w:eastAsia) with their alternatives; the HTML page is autoescaped."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from datetime import date

from docx import Document as DocxFile
from docx.oxml.ns import qn
from pypdf import PdfReader

from backend.documents.docx import to_docx
from backend.documents.html import to_html
from backend.documents.official import Attachment, OfficialDocument, Section, numeral
from backend.documents.pdf import to_pdf
from tests.helpers import page_text, pdf_text

FEEDBACK = OfficialDocument(
    title="关于双峰县财政局机构编制监督检查情况的反馈意见",
    addressee="双峰县财政局",
    sections=[
        Section("基本情况", ["根据年度监督检查工作安排，检查组于2026年3月对你单位机构编制工作进行了检查。"]),
        Section("发现的主要问题", [], [Section("超编进人", ["你单位2025年以来违规超编进人 3 名。"])]),
        Section("整改要求", ["请于30日内整改到位，并书面报告整改情况。"]),
    ],
    issuer="中共双峰县委机构编制委员会办公室",
    dated=date(2026, 4, 8),
    file_name="feedback",
    marking="内部",
    masthead=("中共双峰县委机构编制委员会办公室",),
    document_number="双编办函〔2026〕1号",
    copied_to="县纪委监委、县委组织部",
)


def _fonts(reader: PdfReader) -> list[tuple[str, dict]]:
    """Each font a page uses: its PDF name and its descriptor."""
    found = []
    for page in reader.pages:
        for reference in page["/Resources"]["/Font"].values():
            font = reference.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            found.append((str(font["/BaseFont"]).lstrip("/"), descendant["/FontDescriptor"].get_object()))
    return found


def test_a_one_page_document_embeds_font_subsets_and_weighs_little() -> None:
    letter = replace(FEEDBACK, title="关于报送整改情况的函", sections=[], body=("请于30日内整改到位，并书面报告整改情况。", "特此函告。"))
    pdf = to_pdf(letter)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1 and len(pdf) < 500_000  # PyMuPDF's whole font made it 3.6 MB
    fonts = _fonts(reader)
    # a subset's name carries a six-letter tag (ISO 32000 §9.6.4); the font file is embedded
    assert {re.sub("^[A-Z]{6}\\+", "", name) for name, _ in fonts} == {"NotoSerifSC", "NotoSansSC"}
    assert all(re.match("^[A-Z]{6}\\+", name) and "/FontFile3" in descriptor for name, descriptor in fonts)


def test_the_pdf_prints_the_head_red_and_its_text_can_be_copied() -> None:
    pdf = to_pdf(FEEDBACK)
    text = pdf_text(pdf)
    for part in (
        "内部",
        "中共双峰县委机构编制委员会办公室",
        "双编办函〔2026〕1号",
        "关于双峰县财政局机构编制监督检查情况的反馈意见",
        "双峰县财政局：",
        "一、基本情况",
        "（一）超编进人",
        "三、整改要求",
        "2026年4月8日",  # 成文日期 in Arabic numerals
        "抄送：县纪委监委、县委组织部。",
        "2026年4月8日印发",
        "—1—",
    ):
        assert part in text, part
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    red = "0.7529 0 0"
    assert f"{red} rg" in content  # the 发文机关标志 filled red
    assert f"{red} RG" in content  # the separator line under the 文号 drawn red


def test_a_long_document_runs_to_several_pages_with_the_imprint_on_the_last() -> None:
    long = OfficialDocument(
        title="关于某县机构编制监督检查情况的报告",
        addressee=None,
        sections=[Section("发现的问题", [f"第{n}段：某县某局违规超编进人。" for n in range(120)])],
        issuer="某县委编办",
        dated=date(2026, 4, 8),
        file_name="long",
        attachments=(Attachment("问题清单", ("1．超编进人",)), Attachment("整改台账")),
    )
    reader = PdfReader(io.BytesIO(to_pdf(long)))
    pages = [page_text(page) for page in reader.pages]
    assert len(pages) > 3 and "第0段" in pages[0] and "第119段" in "".join(pages)
    assert "附件：1．问题清单" in "".join(pages) and "2．整改台账" in "".join(pages)
    # each attachment on a page of its own, the 版记 at the foot of the last
    assert pages[-2].startswith("附件1问题清单") and pages[-1].startswith("附件2整改台账")
    assert "某县委编办2026年4月8日印发" in pages[-1] and not any("印发" in page for page in pages[:-1])
    assert [page.endswith(f"—{n}—") for n, page in enumerate(pages, start=1)] == [True] * len(pages)


def test_the_docx_names_the_standard_fonts_with_their_alternatives() -> None:
    content = to_docx(FEEDBACK)
    document = DocxFile(io.BytesIO(content))
    east_asian = {
        paragraph.text: paragraph.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) for paragraph in document.paragraphs if paragraph.runs
    }
    assert east_asian["中共双峰县委机构编制委员会办公室"] == "仿宋_GB2312"  # the signature; the masthead line is the first
    assert east_asian["关于双峰县财政局机构编制监督检查情况的反馈意见"] == "方正小标宋简体"
    assert east_asian["一、基本情况"] == "黑体" and east_asian["（一）超编进人"] == "楷体_GB2312"
    assert east_asian["根据年度监督检查工作安排，检查组于2026年3月对你单位机构编制工作进行了检查。"] == "仿宋_GB2312"
    masthead = document.paragraphs[1]
    assert masthead.text == "中共双峰县委机构编制委员会办公室" and str(masthead.runs[0].font.color.rgb) == "C00000"
    assert masthead.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    number = document.paragraphs[2]
    assert number.text == "双编办函〔2026〕1号" and number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color")) == "C00000"
    table = zipfile.ZipFile(io.BytesIO(content)).read("word/fontTable.xml").decode()
    for standard, alternative in (("方正小标宋简体", "华文中宋"), ("仿宋_GB2312", "仿宋"), ("黑体", "SimHei"), ("楷体_GB2312", "楷体")):
        assert re.search(f'<w:font w:name="{standard}"><w:altName w:val="{alternative}"/>', table), standard
    section = document.sections[0]
    # — 1 —: odd pages right, even pages left
    assert document.settings.odd_and_even_pages_header_footer
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        number = footer.paragraphs[0]._p.xml
        assert 'w:instr="PAGE"' in number and f'<w:jc w:val="{align}"/>' in number and footer.paragraphs[0].text.startswith("— ")
    assert [round(length.mm) for length in (section.top_margin, section.left_margin, section.page_width)] == [37, 28, 210]


def test_the_html_page_escapes_what_it_is_given() -> None:
    hostile = OfficialDocument(
        title="关于<script>alert(1)</script>的通报",
        addressee="<script>alert('主送')</script>单位",
        sections=[Section("<b>问题</b>", ["<img src=x onerror=alert(1)>"])],
        issuer="某县委编办",
        dated=date(2026, 4, 8),
        file_name="hostile",
        masthead=("<script>某县</script>",),
        document_number="某编办函〔2026〕1号",
    )
    page = to_html(hostile)
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "关于&lt;script&gt;alert(1)&lt;/script&gt;的通报" in page and "&lt;script&gt;alert(&#39;主送&#39;)&lt;/script&gt;单位：" in page
    assert '<p class="masthead">&lt;script&gt;某县&lt;/script&gt;</p>' in page and "一、&lt;b&gt;问题&lt;/b&gt;" in page
    # the typefaces, constants of ours, stay CSS: the standard font first, the open ones last
    assert 'body { font-family: "仿宋_GB2312", "仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC"' in page


def test_sections_are_numbered_as_offices_number_them() -> None:
    assert [numeral(n) for n in (1, 9, 10, 11, 19, 20, 21, 35)] == ["一", "九", "十", "十一", "十九", "二十", "二十一", "三十五"]
