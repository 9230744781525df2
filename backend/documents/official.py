"""An official document (公文) in the layout of GB/T 9704-2012 《党政机关公文格式》, as far as a
generated document goes. Every document the system issues (纪律函告, 反馈意见, 检查情况报告, 典型案例通报,
letters between organs, …) is one `OfficialDocument`: its parts, not its layout; one renderer a
format draws them (backend/documents/html.py for the browser, pdf.py to read and print, docx.py
for offices to edit in WPS/Word), with the page geometry and sizes below.

版头: the 密级-like marking top left, the 发文机关标志 (the organs' full names) in red, the 发文字号
under it and a red separator line. 主体: the title (二号小标宋), the 主送机关, the body (三号仿宋;
first-level headings 一、 in 黑体, second-level （一） in 楷体), the 附件说明, the 发文机关署名 and the
成文日期 (Arabic numerals, as the 2012 standard has it) where the 印章 goes, the attachments on pages
of their own. 版记 at the foot of the last page: 抄送机关, 印发机关和印发日期."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# The page (GB/T 9704-2012 §5.2): A4; 天头 37 mm, 订口 28 mm; a 版心 of 156 × 225 mm, 22 lines of 28
# characters of 三号 text. Lengths in millimetres, font sizes in points.
PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
TOP, LEFT, TEXT_WIDTH, TEXT_HEIGHT = 37.0, 28.0, 156.0, 225.0
RIGHT, BOTTOM = PAGE_WIDTH - LEFT - TEXT_WIDTH, PAGE_HEIGHT - TOP - TEXT_HEIGHT  # 26 and 35
LINES, CHARACTERS = 22, 28
LINE = TEXT_HEIGHT / LINES  # the line pitch, about 10.2 mm (29 磅)
CHARACTER = TEXT_WIDTH / CHARACTERS  # a character's advance, about 5.6 mm
SIZE_2, SIZE_3, SIZE_4 = 22.0, 16.0, 14.0  # 二号, 三号, 四号
MASTHEAD_DROP = 35.0  # §7.2.4: the 发文机关标志's top edge below the top of the 版心
MASTHEAD_LARGEST = 42.0  # points; smaller when the organ's name would be wider than the 版心
RULE_BELOW_NUMBER = 4.0  # §7.2.7: the red separator line 4 mm under the 发文字号
PAGE_NUMBER_DROP = 7.0  # §7.5: page numbers 7 mm under the 版心
RED = (0xC0, 0x00, 0x00)


@dataclass(frozen=True)
class Section:
    heading: str  # 一、基本情况 (numbered by the renderer)
    paragraphs: list[str] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)  # （一）…


@dataclass(frozen=True)
class Attachment:
    """An attachment (附件): named in the 附件说明, printed on pages of its own after the signature."""

    title: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfficialDocument:
    title: str
    addressee: str | None  # 主送机关
    sections: list[Section]
    issuer: str  # 发文机关署名
    dated: date  # 成文日期
    file_name: str  # without extension, ASCII
    marking: str | None = None  # 公开 / 内部 / 敏感 as the deployment names it: top left, as 公文 place a 密级
    masthead: tuple[str, ...] = ()  # 发文机关标志: the issuing organs (several for 联合发文), in red
    document_number: str | None = None  # 发文字号, under the masthead
    body: tuple[str, ...] = ()  # paragraphs before the sections (a letter has only these)
    copied_to: str | None = None  # 抄送
    attachments: tuple[Attachment, ...] = ()
    notice: str | None = None  # a word on the document's state (未发布稿, 已撤回), in red above the title
    printed_by: str | None = None  # 印发机关; the first organ of the masthead (else the issuer) when not given

    @property
    def attachment_note(self) -> list[str]:
        """The 附件说明 (§7.3.4), after 附件：; several are numbered 1．2．…"""
        if len(self.attachments) == 1:
            return [self.attachments[0].title]
        return [f"{n}．{attachment.title}" for n, attachment in enumerate(self.attachments, start=1)]

    def attachment_label(self, n: int) -> str:
        """附件 top left of an attachment's first page, with its number when there are several."""
        return "附件" if len(self.attachments) == 1 else f"附件{n}"

    @property
    def copies(self) -> str | None:
        """版记: 抄送：…。"""
        return f"抄送：{self.copied_to}。" if self.copied_to else None

    @property
    def imprint(self) -> tuple[str, str]:
        """版记: the 印发机关 (left) and the 印发日期 (right)."""
        organ = self.printed_by or (self.masthead[0] if self.masthead else self.issuer)
        return organ, f"{chinese_date(self.dated)}印发"

    @property
    def headings(self) -> list[tuple[str, list[str], list[tuple[str, list[str]]]]]:
        """The sections numbered as offices number them: 一、 and, inside, （一）."""
        return [
            (
                f"{numeral(n)}、{part.heading}",
                part.paragraphs,
                [(f"（{numeral(m)}）{sub.heading}", sub.paragraphs) for m, sub in enumerate(part.subsections, start=1)],
            )
            for n, part in enumerate(self.sections, start=1)
        ]


NUMERALS = "一二三四五六七八九十"


def numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    return NUMERALS[n // 10 - 1] + "十" + (NUMERALS[n % 10 - 1] if n % 10 else "")


def chinese_date(day: date) -> str:
    """The 成文日期 as GB/T 9704-2012 §7.3.5.4 writes it: Arabic numerals, no leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"
