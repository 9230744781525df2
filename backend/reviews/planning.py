"""Which leaders a year's review plan (三责联审年度计划) selects, and why: small pure rules.

- Leaving office in the plan year, for any reason (任期届满, 提拔, 交流, 轮岗, 免职, 辞职, 降职,
  退休): must be reviewed, 离任审核.
- In office at the end of the plan year, in the same post for 3 full years or more at county
  (县级) or town (乡镇) level, or 5 or more as head of a city or county department (市直部门,
  县直部门): must be
  reviewed, 任中审核. The years count from the appointment, or from the last 任中审核 of the
  leader in an earlier plan year (its year's end), so a review satisfies the rule for the
  next 3 (5) years rather than every year after.
- Anyone else in office during the year: may be reviewed (任中审核, optional).
- A leader who left before the plan year, or was appointed after it, is not on it.

The reference date is the plan year's last day (31 December): a plan drawn up in January
lists whoever reaches the threshold during the year. Years are full calendar years: from
2023-12-31, 3 years are reached on 2026-12-31 (so on the 2026 plan); from 2024-01-01, not
before 2027-01-01 (the 2026 plan sees 2 years 11 months: optional)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.reviews.models import LeaderLevel, LeavingReason, ReviewKind

# 党政正职 of a county or town: 3 years; heads of party and government departments at city and
# county level: 5 (苏州). Other levels have no tenure rule.
TENURE_YEARS = {LeaderLevel.COUNTY: 3, LeaderLevel.TOWN: 3, LeaderLevel.MUNICIPAL_DEPARTMENT: 5, LeaderLevel.COUNTY_DEPARTMENT: 5}


@dataclass(frozen=True)
class LeaderFacts:
    level: LeaderLevel
    appointed_on: date
    left_on: date | None
    leaving_reason: LeavingReason | None
    last_in_term_review_year: int | None = None  # the last 任中审核 of an earlier plan year


@dataclass(frozen=True)
class Selection:
    required: bool  # 必审 (else 可审)
    kind: ReviewKind
    reason: str


def reference_date(year: int) -> date:
    return date(year, 12, 31)


def full_years(start: date, on: date) -> int:
    """Full years from `start` to `on` (an anniversary on 29 February falls on 1 March)."""
    return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


def on_the_plan(facts: LeaderFacts, year: int) -> bool:
    """In office at some time during the plan year."""
    return facts.appointed_on <= reference_date(year) and (facts.left_on is None or facts.left_on.year >= year)


def leaves_in(facts: LeaderFacts, year: int) -> bool:
    return facts.left_on is not None and facts.left_on.year == year


def tenure_threshold(level: LeaderLevel) -> int | None:
    return TENURE_YEARS.get(level)


def years_counted(facts: LeaderFacts, year: int) -> int:
    """Full years in post at the year's end, since appointment or the last in-term review."""
    start = facts.appointed_on
    if facts.last_in_term_review_year is not None:
        start = max(start, reference_date(facts.last_in_term_review_year))
    return full_years(start, reference_date(year))


def _counted_since(facts: LeaderFacts) -> str:
    last = facts.last_in_term_review_year
    return "任现职" if last is None or reference_date(last) < facts.appointed_on else f"自{last}年任中审核后"


def select(facts: LeaderFacts, year: int) -> Selection | None:
    """The leader's place on the plan of `year`, None when not on it."""
    if not on_the_plan(facts, year):
        return None
    if leaves_in(facts, year):
        assert facts.left_on is not None and facts.leaving_reason is not None
        return Selection(
            True, ReviewKind.LEAVING, f"{facts.left_on.isoformat()}离任（{LeavingReason(facts.leaving_reason).label}），应进行离任审核"
        )
    years, since, level = years_counted(facts, year), _counted_since(facts), LeaderLevel(facts.level).label
    threshold = tenure_threshold(facts.level)
    if threshold is None:
        return Selection(False, ReviewKind.IN_TERM, f"{level}无任职年限必审要求，{since}满 {years} 年，可进行任中审核")
    if years >= threshold:
        return Selection(True, ReviewKind.IN_TERM, f"{level}{since}满 {years} 年（满 {threshold} 年必审），应进行任中审核")
    return Selection(False, ReviewKind.IN_TERM, f"{level}{since}满 {years} 年，未满 {threshold} 年，可进行任中审核")
