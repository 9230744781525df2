"""Statutory retirement age under the 渐进式延迟法定退休年龄 (全国人大常委会决定 of 2024-09-13;
国务院《关于渐进式延迟法定退休年龄的办法》第一条): from 2025-01-01 the age rises by one month
every four months for men (60 → 63) and for women whose age was 55 (→ 58), and by one month
every two months for women whose age was 50 (→ 55).

Only the birth year is kept (the 身份证号's date is not), so everyone is taken as born in July:
a forecast by year is off by six months at most. Sex is the 身份证号's 17th digit (odd: male),
which the masked number keeps."""

from __future__ import annotations

from dataclasses import dataclass

BIRTH_MONTH = 7
REFORM_STARTS = 2025 * 12  # January 2025, in months since year 0


@dataclass(frozen=True)
class Schedule:
    original_age: int
    every_months: int  # the age rises a month for every this many months of later birth
    max_delay: int  # months


MEN = Schedule(60, 4, 36)
WOMEN = Schedule(55, 4, 36)  # 女干部 (and women in 管理、专业技术 posts)
WOMEN_WORKERS = Schedule(50, 2, 60)  # women in 工勤 posts


def is_male(id_masked: str) -> bool:
    return int(id_masked[-2]) % 2 == 1


def retirement_month(birth_year: int, schedule: Schedule) -> tuple[int, int]:
    """(year, month) in which a person born in `birth_year` reaches the statutory age."""
    original = (birth_year + schedule.original_age) * 12 + BIRTH_MONTH - 1
    delay = 0 if original < REFORM_STARTS else min(schedule.max_delay, (original - REFORM_STARTS) // schedule.every_months + 1)
    year, month = divmod(original + delay, 12)
    return year, month + 1
