"""A bulletin on paper: an official document (backend/documents/official.py) in the layout of
GB/T 9704 — the masthead 典型案例通报 in red, the issue and its 文号 as its number, the title, the preface, the
numbered cases, the publisher's (and each joint organ's) signature and the date — as the HTML
page for the browser's print dialog and as PDF. Only the text as published appears: de-identified
cases never show a real name here."""

from __future__ import annotations

from datetime import date

from backend.bulletins.joint import JointOrgan
from backend.bulletins.service import PENDING, Readable, document_number, issue_label
from backend.bulletins.workflow import PUBLISHED, WITHDRAWN, BulletinState
from backend.clock import CHINA_STANDARD_TIME
from backend.documents.official import OfficialDocument, Section


def _paragraphs(text: str, label: str = "") -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines:
        lines[0] = label + lines[0]
    return lines


def bulletin_document(readable: Readable, cases: list, joint: list[JointOrgan], today: date, file_name: str) -> OfficialDocument:
    """The bulletin as published (a draft: dated today, marked as not published); a joint bulletin
    (联合发文) signs with every organ."""
    row = readable.row
    dated = row.published_at.astimezone(CHINA_STANDARD_TIME).date() if row.published_at is not None else today
    if row.state == WITHDRAWN:
        notice: str | None = f"本期通报已撤回。撤回理由：{row.note or ''}"
    elif row.state != PUBLISHED:
        notice = f"未发布稿　状态：{BulletinState(row.state).label}"
    else:
        notice = None
    sections = [
        Section(
            case.published_title or PENDING,
            [
                *_paragraphs(case.published_facts or PENDING, "基本案情："),
                *(_paragraphs(case.published_handling, "处理结果：") if case.published_handling else []),
            ],
        )
        for case in cases
    ]
    return OfficialDocument(
        title=row.published_title or PENDING,
        addressee=None,
        sections=sections,
        issuer="　".join([row.publisher_name, *(j.organ.signature_name for j in joint)]),
        dated=dated,
        file_name=file_name,
        masthead=(f"{row.publisher_name}典型案例通报",),
        document_number="　".join(filter(None, (issue_label(row), document_number(row)))) or "（发布时编号）",
        body=tuple(_paragraphs(row.published_preface or PENDING)),
        notice=notice,
    )
