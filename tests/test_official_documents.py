"""Documents on paper (bulletins, reports): the PDF runs to as many A4 pages as the text takes,
inside the margins; Chinese numbering of sections."""

from __future__ import annotations

import pymupdf

from backend.documents.official import A4, MARGIN, numeral, to_pdf


def test_a_long_document_runs_to_several_pages_inside_the_margins() -> None:
    html = "".join(f"<p>第{n}段：某县某局违规超编进人。</p>" for n in range(300))
    document = pymupdf.open(stream=to_pdf(html), filetype="pdf")
    text = "".join(page.get_text() for page in document)
    assert document.page_count > 1 and "第0段" in text and "第299段" in text
    # the margins, give or take a glyph's ascent above the first line
    inside = A4 + (MARGIN / 2, MARGIN / 2, -MARGIN / 2, -MARGIN / 2)  # noqa: RUF005 (a Rect moved in, not a tuple)
    assert all(inside.contains(block[:4]) for page in document for block in page.get_text("blocks"))


def test_sections_are_numbered_as_offices_number_them() -> None:
    assert [numeral(n) for n in (1, 9, 10, 11, 19, 20, 21, 35)] == ["一", "九", "十", "十一", "十九", "二十", "二十一", "三十五"]
