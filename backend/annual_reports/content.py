"""What a unit's annual 机构编制报告 holds, and what the office reads out of it: the figures
(核定编制 and 实有人数, 核定 and 实设内设机构, 领导职数 and 实配领导), the date of its “三定”规定 and
whether it needs adjusting, and the narrative (三定规定执行情况, 机构编制纪律执行情况, 存在问题,
下一步打算). The analysis — the one rule — flags 超编, 超职数配备领导, 超限额设置内设机构 and a
“三定”规定 that lags (the unit says it needs adjusting, or it is older than five years at the
year's end), as 盐城 read its 87 units' reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from backend.text import clean_text
from tenants.errors import DomainError

LAGGING_YEARS = 5
MAX_NUMBER = 100_000
NUMBERS = ("approved_staffing", "actual_staff", "approved_internal_bodies", "internal_bodies", "leadership_posts", "actual_leaders")
REQUIRED_TEXTS = ("implementation", "discipline")


@dataclass(frozen=True)
class ReportContent:
    approved_staffing: int | None = None  # 核定编制
    actual_staff: int | None = None  # 实有人数
    approved_internal_bodies: int | None = None
    internal_bodies: int | None = None
    leadership_posts: int | None = None  # 核定领导职数
    actual_leaders: int | None = None
    three_definitions_on: date | None = None  # the “三定”规定's date
    adjustment_needed: bool = False  # the unit says its “三定”规定 needs adjusting
    implementation: str | None = None  # 三定规定执行情况
    discipline: str | None = None  # 机构编制纪律执行情况
    problems: str | None = None
    plans: str | None = None
    attachments: list[str] = field(default_factory=list)  # the signed report, uploaded as evidence

    def stored(self) -> dict[str, Any]:
        data = asdict(self)
        data["three_definitions_on"] = self.three_definitions_on.isoformat() if self.three_definitions_on else None
        return data

    @classmethod
    def of(cls, data: dict[str, Any]) -> ReportContent:
        day = data.get("three_definitions_on")
        return cls(**{**data, "three_definitions_on": date.fromisoformat(day) if day else None})

    @property
    def complete(self) -> bool:
        return all(getattr(self, name) is not None for name in NUMBERS) and all(getattr(self, name) for name in REQUIRED_TEXTS)


def check_content(content: ReportContent) -> ReportContent:
    for name in NUMBERS:
        value = getattr(content, name)
        if value is not None and not 0 <= value <= MAX_NUMBER:
            raise DomainError("INVALID_NUMBER", f"数字须在 0 到 {MAX_NUMBER} 之间", field=name)
    texts = {
        name: clean_text(getattr(content, name), name, required=False) for name in ("implementation", "discipline", "problems", "plans")
    }
    return ReportContent(**{**asdict(content), **texts, "three_definitions_on": content.three_definitions_on})


@dataclass(frozen=True)
class Observation:
    kind: str  # 超编, 超职数配备领导, 超限额设置内设机构, “三定”规定滞后
    text: str


def observations(content: ReportContent, year: int) -> list[Observation]:
    """What the office reads out of a report (empty: nothing to note)."""
    found = []
    pairs = (
        ("actual_staff", "approved_staffing", "超编", "实有人数超过核定编制 {} 名"),
        ("actual_leaders", "leadership_posts", "超职数配备领导", "超职数配备领导 {} 名"),
        ("internal_bodies", "approved_internal_bodies", "超限额设置内设机构", "内设机构超过核定 {} 个"),
    )
    for actual, approved, kind, words in pairs:
        have, allowed = getattr(content, actual), getattr(content, approved)
        if have is not None and allowed is not None and have > allowed:
            found.append(Observation(kind, words.format(have - allowed)))
    if content.adjustment_needed:
        found.append(Observation("“三定”规定滞后", "单位报告“三定”规定需要调整"))
    elif content.three_definitions_on and content.three_definitions_on.year <= year - LAGGING_YEARS:
        lagging = f"“三定”规定印发于 {content.three_definitions_on.isoformat()}，已满 {LAGGING_YEARS} 年未调整"
        found.append(Observation("“三定”规定滞后", lagging))
    return found
