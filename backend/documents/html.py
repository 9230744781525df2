"""Printable HTML pages from the Jinja2 templates of backend/documents/templates/, autoescaped (a
name holding <script> prints as text): an official document (official.html), the record sheets
offices print (a leader review's report) and the public notice's fragment (notice.html)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from backend.documents import fonts
from backend.documents import official as gb
from backend.documents.official import OfficialDocument, chinese_date

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

RED = "#{:02x}{:02x}{:02x}".format(*gb.RED)


def render_page(template: str, **values: object) -> str:
    """A page of backend/documents/templates/, with the typefaces of a 公文 at hand (`fonts`)."""
    return TEMPLATES.get_template(template).render(fonts=fonts, **values)


def to_html(document: OfficialDocument) -> str:
    return render_page("official.html", document=document, dated=chinese_date(document.dated), page=gb, red=RED)
