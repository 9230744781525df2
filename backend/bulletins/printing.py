"""A bulletin on paper: an A4 page in the layout of a government bulletin (red masthead, issue
number, publisher and date over a red rule, title, preface, the numbered cases), as HTML for the
browser's print dialog and as a PDF made from the same HTML (backend/documents/official.py:
MuPDF's built-in CJK font renders the Chinese text; no system fonts needed). Only the text as published appears:
de-identified cases never show a real name here."""

from __future__ import annotations

from html import escape

from backend.bulletins.joint import JointOrgan
from backend.bulletins.service import PENDING, Readable, document_number, issue_label
from backend.bulletins.workflow import PUBLISHED, WITHDRAWN, BulletinState
from backend.clock import CHINA_STANDARD_TIME
from backend.documents.official import numeral

STYLE = """
  @page { size: A4; margin: 30mm 26mm 30mm 26mm; }
  body { font-family: "FangSong", "仿宋", "STFangsong", "Noto Serif CJK SC", serif; font-size: 14pt; line-height: 1.7; }
  .masthead { font-family: "SimSun", "宋体", "Noto Serif CJK SC", serif; color: #c00000; font-size: 30pt; font-weight: bold;
              text-align: center; letter-spacing: 4pt; margin: 0; }
  .issue { text-align: center; font-size: 14pt; margin: 4pt 0 6pt 0; }
  table.meta { width: 100%; border-collapse: collapse; font-size: 12pt; }
  td.right { text-align: right; }
  .rule { border-top: 2pt solid #c00000; margin: 4pt 0 14pt 0; height: 0; }
  .notice { color: #c00000; font-weight: bold; text-align: center; }
  h1 { font-family: "SimSun", "宋体", "Noto Serif CJK SC", serif; font-size: 18pt; text-align: center; margin: 6pt 0 10pt 0; }
  h2 { font-family: "SimHei", "黑体", "Noto Sans CJK SC", sans-serif; font-size: 14pt; margin: 12pt 0 4pt 0; }
  p { text-indent: 2em; margin: 0 0 2pt 0; }
  .label { font-weight: bold; }
  .signature { text-align: right; margin-top: 18pt; }
"""


def _paragraphs(text: str, label: str | None = None) -> str:
    lines = [escape(line.strip()) for line in text.splitlines() if line.strip()]
    if label and lines:
        lines[0] = f'<span class="label">{label}</span>{lines[0]}'
    return "".join(f"<p>{line}</p>" for line in lines)


def bulletin_html(readable: Readable, cases: list, joint: list[JointOrgan]) -> str:
    """The page; a joint bulletin (联合发文) names every organ under the masthead and signs with each."""
    row = readable.row
    issuers = [row.publisher_name, *(j.organ.short_name for j in joint)]
    signatures = [row.publisher_name, *(j.organ.signature_name for j in joint)]
    if row.published_at is not None:
        published = row.published_at.astimezone(CHINA_STANDARD_TIME)
        dated = f"{published.year}年{published.month}月{published.day}日"
    else:
        dated = ""
    notices = []
    if row.state == WITHDRAWN:
        notices.append(f"本期通报已撤回。撤回理由：{escape(row.note or '')}")
    elif row.state != PUBLISHED:
        notices.append(f"未发布稿　状态：{escape(BulletinState(row.state).label)}")
    parts = [
        '<div class="masthead">典型案例通报</div>',
        f'<div class="issue">{escape("　".join(filter(None, (issue_label(row), document_number(row)))) or "（发布时编号）")}</div>',
        f'<table class="meta"><tr><td>{escape("　".join(issuers))}</td><td class="right">{dated}</td></tr></table>',
        '<div class="rule"></div>',
        *(f'<div class="notice">{notice}</div>' for notice in notices),
        f"<h1>{escape(row.published_title or PENDING)}</h1>",
        _paragraphs(row.published_preface or PENDING),
    ]
    for index, case in enumerate(cases, start=1):
        parts.append(f"<h2>{numeral(index)}、{escape(case.published_title or PENDING)}</h2>")
        parts.append(_paragraphs(case.published_facts or PENDING, "基本案情："))
        if case.published_handling:
            parts.append(_paragraphs(case.published_handling, "处理结果："))
    parts.append(f'<div class="signature">{"<br>".join(map(escape, signatures))}<br>{dated}</div>')
    title = escape(f"{row.publisher_name}典型案例通报 {issue_label(row) or ''}".strip())
    return (
        f'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head>\n<body>\n" + "\n".join(parts) + "\n</body></html>"
    )
